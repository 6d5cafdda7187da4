namespace Dsx.Search;

/// <summary>
/// The additive model of a plan's cost over a <see cref="MeasurementTable"/>: each layer's compute time under its
/// choice plus its input conversion from its producers' formats (plus, under a memory objective, its memory).
/// Conversions never measured are estimated from the table's other conversions between the same two formats, per
/// element moved. A snapshot: build a new one after the table changes.
/// </summary>
public sealed class AdditiveCostModel
{
    private readonly Dictionary<(TensorFormat From, TensorFormat To), double> _msPerElement;
    private readonly double _fallbackMsPerElement;

    public AdditiveCostModel(MeasurementTable table, Objective? objective = null)
    {
        ArgumentNullException.ThrowIfNull(table);
        Table = table;
        Objective = objective ?? Objective.Latency;
        (_msPerElement, _fallbackMsPerElement) = FitConversionRates(table);
    }

    public MeasurementTable Table { get; }

    public Objective Objective { get; }

    public SearchSpace Space => Table.Space;

    /// <summary>Compute time of a layer's choice; null when never measured.</summary>
    public double? ComputeMs(int layer, int choice) => Table.Compute(layer, choice)?.Estimate;

    /// <summary>Input conversion time of a layer run in <paramref name="to"/> with inputs in <paramref name="from"/>: 0 when nothing converts.</summary>
    public double ConversionMs(int layer, IReadOnlyList<TensorFormat> from, TensorFormat to)
    {
        ArgumentNullException.ThrowIfNull(from);
        var l = Space.Layers[layer];
        if (!MeasurementTable.NeedsConversion(l, from, to))
        {
            return 0;
        }

        if (Table.Conversion(layer, from, to) is { } measured)
        {
            return measured.Estimate;
        }

        var ms = 0.0;
        for (var k = 0; k < from.Count; k++)
        {
            if (from[k] != to)
            {
                ms += Rate(from[k], to) * l.InputElements[k];
            }
        }

        if (l.IsGraphOutput && to != TensorFormat.Plain)
        {
            ms += Rate(to, TensorFormat.Plain) * l.OutputElements;
        }

        return ms;
    }

    /// <summary>Memory a layer's choice holds; 0 when never measured.</summary>
    public long MemoryBytes(int layer, int choice) => Table.Memory(layer, choice)?.Total ?? 0;

    /// <summary>The objective's cost of one layer of a plan; +infinity when its compute was never measured.</summary>
    public double LayerCost(int layer, int choice, IReadOnlyList<TensorFormat> from)
    {
        if (ComputeMs(layer, choice) is not { } compute)
        {
            return double.PositiveInfinity;
        }

        var to = Space.Layers[layer].Choices[choice].Format;
        return Objective.LayerCost(compute + ConversionMs(layer, from, to), MemoryBytes(layer, choice));
    }

    /// <summary>Per layer of a plan, its compute, input conversion and memory as the table knows them.</summary>
    public IReadOnlyList<LayerEstimate> Breakdown(CandidatePlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        return [.. Enumerable.Range(0, plan.Count).Select(i => new LayerEstimate(
            ComputeMs(i, plan[i]), ConversionMs(i, Space.InputFormats(plan, i), Space.Choice(plan, i).Format), MemoryBytes(i, plan[i])))];
    }

    /// <summary>Predicted latency (ms) and memory of a whole plan, and its cost under the objective.</summary>
    public PlanPrediction Predict(CandidatePlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var layerMs = new double[plan.Count];
        var cost = 0.0;
        long bytes = 0;
        for (var i = 0; i < plan.Count; i++)
        {
            var from = Space.InputFormats(plan, i);
            var to = Space.Choice(plan, i).Format;
            layerMs[i] = (ComputeMs(i, plan[i]) ?? double.PositiveInfinity) + ConversionMs(i, from, to);
            var memory = MemoryBytes(i, plan[i]);
            bytes += memory;
            cost += Objective.LayerCost(layerMs[i], memory);
        }

        cost += Objective.PlanPenalty(bytes);
        return new PlanPrediction(layerMs.Sum(), bytes, cost, layerMs);
    }

    private double Rate(TensorFormat from, TensorFormat to) => _msPerElement.GetValueOrDefault((from, to), _fallbackMsPerElement);

    private static (Dictionary<(TensorFormat, TensorFormat), double>, double) FitConversionRates(MeasurementTable table)
    {
        var samples = new Dictionary<(TensorFormat, TensorFormat), List<double>>();
        foreach (var layer in table.Space.Layers.Where(l => l.Inputs.Count == 1 && !l.IsGraphOutput && l.InputElements[0] > 0))
        {
            foreach (var (key, stat) in table.Conversions(layer.Index))
            {
                var parts = key.Split('>');
                var pair = (TensorFormat.Parse(parts[0]), TensorFormat.Parse(parts[1]));
                if (!samples.TryGetValue(pair, out var list))
                {
                    samples[pair] = list = [];
                }

                list.Add(stat.Estimate / layer.InputElements[0]);
            }
        }

        var rates = samples.ToDictionary(s => s.Key, s => TimingStat.Median(s.Value));
        // A pair never seen converts at the median rate of those seen; 1 ns per element if the table has none.
        var fallback = rates.Count > 0 ? TimingStat.Median([.. rates.Values]) : 1e-6;
        return (rates, fallback);
    }
}
