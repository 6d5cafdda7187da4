namespace Dsx.Search;

/// <summary>
/// The exact optimum of the <see cref="AdditiveCostModel"/> over the layer graph, by a frontier dynamic program: layers
/// are taken in topological order and the state is the format of every live tensor (produced and still read by a later
/// layer). A layer's cost depends only on its choice and its inputs' formats, which the state holds, so keeping the
/// cheapest way into each state is exact for any DAG; on a chain the frontier is one tensor and this is Viterbi.
/// It stays small because formats are few and networks keep few tensors alive (a residual block: two).
/// Under <see cref="ObjectiveKind.LatencyUnderMemoryCap"/>, whose cap is not a sum of layer costs, it solves the
/// Lagrangian relaxation instead: see <see cref="Solve"/>.
/// </summary>
public sealed class ExactDp
{
    /// <summary>Default bound on the states of one frontier: 6 formats and 7 live tensors.</summary>
    public const int DefaultStateLimit = 300_000;

    private const int BisectionSteps = 60;

    private readonly MeasurementTable _table;
    private readonly int _stateLimit;
    private readonly int[] _lastReader;

    public ExactDp(MeasurementTable table, int stateLimit = DefaultStateLimit)
    {
        ArgumentNullException.ThrowIfNull(table);
        _table = table;
        _stateLimit = stateLimit;
        var layers = table.Space.Layers;
        _lastReader = Enumerable.Repeat(-1, layers.Count).ToArray();
        foreach (var layer in layers)
        {
            foreach (var producer in layer.Inputs.Where(p => p != SearchLayer.GraphInput))
            {
                _lastReader[producer] = Math.Max(_lastReader[producer], layer.Index);
            }
        }
    }

    /// <summary>
    /// The optimal plan under <paramref name="objective"/>. Exact for latency, memory and weighted objectives. Under a
    /// memory cap: bisection on a memory weight for the smallest weight whose weighted optimum fits the cap; that plan
    /// is feasible but only bounded, not proven optimal, and the result carries the relaxation's lower bound.
    /// </summary>
    /// <exception cref="DpStateLimitException">A frontier would exceed the state limit.</exception>
    /// <exception cref="InvalidOperationException">No plan has every layer measured, or no plan fits the cap.</exception>
    public ExactDpResult Solve(Objective objective)
    {
        ArgumentNullException.ThrowIfNull(objective);
        if (objective.Kind != ObjectiveKind.LatencyUnderMemoryCap)
        {
            var (plan, cost, states) = Optimum(new AdditiveCostModel(_table, objective));
            return new ExactDpResult(plan, cost, cost, true, states);
        }

        return SolveUnderCap(objective);
    }

    private ExactDpResult SolveUnderCap(Objective objective)
    {
        var capMib = Objective.Mib(objective.MemoryCapBytes);
        var latency = new AdditiveCostModel(_table, Objective.Latency);
        var (fastest, fastestMs, peak) = Optimum(latency);
        if (latency.Predict(fastest).MemoryBytes <= objective.MemoryCapBytes)
        {
            return new ExactDpResult(fastest, fastestMs, fastestMs, true, peak);
        }

        // For any weight w >= 0, min over plans of (ms + w MiB) - w cap is below every feasible plan's latency: the
        // relaxation's lower bound. A larger weight favours memory; find the smallest weight whose optimum fits.
        var lowerBound = fastestMs;
        var low = 0.0;
        var high = 1.0;
        CandidatePlan? feasible = null;
        for (var doubling = 0; feasible is null; doubling++)
        {
            var (plan, bound, states) = Weighted(high, capMib);
            peak = Math.Max(peak, states);
            lowerBound = Math.Max(lowerBound, bound);
            if (latency.Predict(plan).MemoryBytes <= objective.MemoryCapBytes)
            {
                feasible = plan;
            }
            else if (doubling > 60)
            {
                throw new InvalidOperationException($"no plan fits the memory cap of {capMib:0.0} MiB");
            }
            else
            {
                low = high;
                high *= 4;
            }
        }

        for (var step = 0; step < BisectionSteps && high - low > 1e-9 * high; step++)
        {
            var middle = (low + high) / 2;
            var (plan, bound, states) = Weighted(middle, capMib);
            peak = Math.Max(peak, states);
            lowerBound = Math.Max(lowerBound, bound);
            if (latency.Predict(plan).MemoryBytes <= objective.MemoryCapBytes)
            {
                (high, feasible) = (middle, plan);
            }
            else
            {
                low = middle;
            }
        }

        var cost = new AdditiveCostModel(_table, objective).Predict(feasible).Cost;
        return new ExactDpResult(feasible, cost, Math.Min(lowerBound, cost), lowerBound >= cost, peak);
    }

    /// <summary>The optimum under memory weight <paramref name="msPerMib"/> and the Lagrangian lower bound it gives.</summary>
    private (CandidatePlan Plan, double LowerBound, int States) Weighted(double msPerMib, double capMib)
    {
        var (plan, cost, states) = Optimum(new AdditiveCostModel(_table, Objective.Weighted(msPerMib)));
        return (plan, cost - (msPerMib * capMib), states);
    }

    private (CandidatePlan Plan, double Cost, int PeakStates) Optimum(AdditiveCostModel model)
    {
        var space = _table.Space;
        var formats = space.Formats;
        var bits = Math.Max(1, (int)Math.Ceiling(Math.Log2(formats.Count)));
        var formatIndex = formats.Select((f, i) => (f, i)).ToDictionary(x => x.f, x => x.i);

        // The frontier: producers whose output is still to be read, in the order their formats sit in the state key.
        var frontier = new List<int>();
        var states = new Dictionary<ulong, double> { [0] = 0 };
        var back = new List<Dictionary<ulong, (ulong From, int Choice)>>(space.Layers.Count);
        var peak = 1;
        foreach (var layer in space.Layers)
        {
            var slotOfProducer = frontier.Select((p, slot) => (p, slot)).ToDictionary(x => x.p, x => x.slot);
            var next = frontier.Where(p => _lastReader[p] > layer.Index).ToList();
            if (_lastReader[layer.Index] > layer.Index)
            {
                next.Add(layer.Index);
            }

            if (next.Count * bits > 64)
            {
                throw new DpStateLimitException(
                    $"layer '{layer.Name}': {next.Count} tensors are alive at once, more than the exact DP can key ({64 / bits} with {formats.Count} formats)");
            }

            var keep = next.Select(p => p == layer.Index ? -1 : slotOfProducer[p]).ToArray();
            var bestPerFormat = new Dictionary<ulong, (int Choice, double Cost)[]>();
            var reached = new Dictionary<ulong, double>();
            var pointers = new Dictionary<ulong, (ulong From, int Choice)>();
            foreach (var (key, cost) in states)
            {
                var from = layer.Inputs.Select(p => p == SearchLayer.GraphInput ? TensorFormat.Plain : formats[Slot(key, slotOfProducer[p], bits)]).ToArray();
                var inputKey = Encode(from.Select(f => formatIndex[f]), bits);
                if (!bestPerFormat.TryGetValue(inputKey, out var best))
                {
                    bestPerFormat[inputKey] = best = CheapestPerFormat(model, layer, from, formatIndex);
                }

                for (var f = 0; f < best.Length; f++)
                {
                    if (double.IsPositiveInfinity(best[f].Cost))
                    {
                        continue;
                    }

                    var nextKey = Encode(keep.Select(slot => slot < 0 ? f : Slot(key, slot, bits)), bits);
                    var total = cost + best[f].Cost;
                    if (!reached.TryGetValue(nextKey, out var known) || total < known)
                    {
                        reached[nextKey] = total;
                        pointers[nextKey] = (key, best[f].Choice);
                    }
                }
            }

            if (reached.Count == 0)
            {
                throw new InvalidOperationException($"layer '{layer.Name}' has no measured choice: no plan can be costed");
            }

            if (reached.Count > _stateLimit)
            {
                throw new DpStateLimitException(
                    $"layer '{layer.Name}': the exact DP needs {reached.Count} states, over the limit of {_stateLimit} ({next.Count} tensors alive, {formats.Count} formats)");
            }

            peak = Math.Max(peak, reached.Count);
            back.Add(pointers);
            states = reached;
            frontier = next;
        }

        // Every tensor is dead after the last layer: one final state.
        var (finalKey, optimum) = states.MinBy(s => s.Value);
        var choices = new int[space.Layers.Count];
        var state = finalKey;
        for (var i = space.Layers.Count - 1; i >= 0; i--)
        {
            (state, choices[i]) = back[i][state];
        }

        return (new CandidatePlan(choices), optimum, peak);
    }

    /// <summary>Per output format, the layer's cheapest choice with inputs in <paramref name="from"/>: choices sharing a format are interchangeable downstream.</summary>
    private static (int Choice, double Cost)[] CheapestPerFormat(AdditiveCostModel model, SearchLayer layer, TensorFormat[] from, Dictionary<TensorFormat, int> formatIndex)
    {
        var best = Enumerable.Repeat((Choice: -1, Cost: double.PositiveInfinity), formatIndex.Count).ToArray();
        for (var c = 0; c < layer.Choices.Count; c++)
        {
            var f = formatIndex[layer.Choices[c].Format];
            var cost = model.LayerCost(layer.Index, c, from);
            if (cost < best[f].Cost)
            {
                best[f] = (c, cost);
            }
        }

        return best;
    }

    private static int Slot(ulong key, int slot, int bits) => (int)((key >> (slot * bits)) & ((1UL << bits) - 1));

    private static ulong Encode(IEnumerable<int> formats, int bits)
    {
        ulong key = 0;
        var slot = 0;
        foreach (var f in formats)
        {
            key |= (ulong)f << (slot++ * bits);
        }

        return key;
    }
}
