namespace Dsx.Search;

/// <summary>
/// Greedy per layer, blind to conversions: first coverage plans (plan k gives each layer its k-th choice, a layer with
/// fewer choices a random one, as <see cref="RecordingPlans"/>), so every choice is measured; then the plan taking each
/// layer's cheapest observed choice, then that plan with one layer switched to its next-best choice (smallest observed
/// loss first), then the greedy plan again. A choice's observed cost is the lowest layer cost seen for it, which is
/// closest to its cost without an input conversion. Deterministic under the seed.
/// </summary>
public sealed class GreedySearch : ISearchStrategy
{
    private const string StateTag = "greedy/1";

    private readonly SearchSpace _space;
    private readonly SplitMix64 _random;
    private readonly int _coverage;
    private readonly double[][] _lowest;
    private readonly bool[][] _failed;
    private int _proposed;
    private int _observed;
    private int _greedyProposed;
    private int[]? _greedy;
    /// <summary>The single switches to propose after the greedy plan, in order, flattened as (layer, choice) pairs.</summary>
    private int[] _switches = [];

    public GreedySearch(SearchSpace space, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(space);
        _space = space;
        _random = new SplitMix64(seed);
        _coverage = RecordingPlans.CoverageCount(space);
        _lowest = [.. space.Layers.Select(l => Enumerable.Repeat(double.PositiveInfinity, l.Choices.Count).ToArray())];
        _failed = [.. space.Layers.Select(l => new bool[l.Choices.Count])];
    }

    public string Name => "greedy";

    public IReadOnlyList<CandidatePlan> Propose(int count)
    {
        var plans = new List<CandidatePlan>(count);
        for (var n = 0; n < count; n++, _proposed++)
        {
            if (_proposed < _coverage)
            {
                var k = _proposed;
                plans.Add(new CandidatePlan(_space.Layers.Select(l => k < l.Choices.Count ? k : _random.Next(l.Choices.Count))));
            }
            else if (_observed < _coverage)
            {
                // The coverage results are still out (a batch wider than what is left of coverage): measure formats at random meanwhile.
                plans.Add(RecordingPlans.FormatUniform(_space, _random));
            }
            else
            {
                plans.Add(NextGreedy());
            }
        }

        return plans;
    }

    public void Observe(IReadOnlyList<EpisodeResult> results)
    {
        ArgumentNullException.ThrowIfNull(results);
        foreach (var result in results)
        {
            _observed++;
            if (result.FailedLayer is { } failed)
            {
                _failed[failed][result.Plan[failed]] = true;
                continue;
            }

            for (var i = 0; i < result.Plan.Count; i++)
            {
                var c = result.Plan[i];
                _lowest[i][c] = Math.Min(_lowest[i][c], result.LayerCosts[i]);
            }
        }
    }

    public byte[] SaveState() => StrategyState.Write(StateTag, w =>
    {
        w.Write(_random.State);
        w.Write(_proposed);
        w.Write(_observed);
        w.Write(_greedyProposed);
        w.Write(_greedy is not null);
        StrategyState.WriteInts(w, _greedy ?? []);
        StrategyState.WriteInts(w, _switches);
        for (var i = 0; i < _lowest.Length; i++)
        {
            for (var c = 0; c < _lowest[i].Length; c++)
            {
                w.Write(_lowest[i][c]);
                w.Write(_failed[i][c]);
            }
        }
    });

    public void RestoreState(byte[] state) => StrategyState.Read(state, StateTag, r =>
    {
        _random.State = r.ReadUInt64();
        _proposed = r.ReadInt32();
        _observed = r.ReadInt32();
        _greedyProposed = r.ReadInt32();
        var hasGreedy = r.ReadBoolean();
        var greedy = StrategyState.ReadInts(r);
        _greedy = hasGreedy ? greedy : null;
        _switches = StrategyState.ReadInts(r);
        for (var i = 0; i < _lowest.Length; i++)
        {
            for (var c = 0; c < _lowest[i].Length; c++)
            {
                _lowest[i][c] = r.ReadDouble();
                _failed[i][c] = r.ReadBoolean();
            }
        }
    });

    private CandidatePlan NextGreedy()
    {
        if (_greedy is null)
        {
            // Fixed once, when coverage is complete, so the switched plans are a stable list.
            var ranked = _space.Layers.Select(l => Enumerable.Range(0, l.Choices.Count)
                .Where(c => !_failed[l.Index][c] && double.IsFinite(_lowest[l.Index][c]))
                .OrderBy(c => _lowest[l.Index][c]).ThenBy(c => c).ToArray()).ToArray();
            _greedy = [.. ranked.Select(r => r.Length > 0 ? r[0] : 0)];
            _switches = [.. Enumerable.Range(0, ranked.Length)
                .Where(i => ranked[i].Length > 1)
                .OrderBy(i => _lowest[i][ranked[i][1]] - _lowest[i][ranked[i][0]]).ThenBy(i => i)
                .SelectMany(i => new[] { i, ranked[i][1] })];
        }

        var plan = new CandidatePlan(_greedy);
        var j = _greedyProposed++;
        return j >= 1 && j <= _switches.Length / 2 ? plan.With(_switches[2 * (j - 1)], _switches[(2 * (j - 1)) + 1]) : plan;
    }
}
