using Dsx.Wire;

namespace Dsx.Search;

/// <summary>
/// The plans a user would try before any search: each library alone (every conv and FC layer on it where the layer
/// admits it, one thread, FP32). Measured first, they give the learner a floor: the search never ends worse than the
/// best single library. Layers a library does not cover keep their input's format on their cheapest known choice, so
/// a seed plan converts only where the library itself does.
/// </summary>
public static class SeedPlans
{
    public static IReadOnlyList<CandidatePlan> SingleLibraries(MeasurementTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        var space = table.Space;
        var primitives = space.Layers
            .Where(l => l.Op is OpType.Conv or OpType.FullyConnected)
            .SelectMany(l => l.Choices)
            .Where(c => c.Primitive != "ref" && c.Precision == Precision.Fp32)
            .Select(c => c.Primitive)
            .Distinct()
            .Order(StringComparer.Ordinal);
        return [.. primitives.Select(p => SingleLibrary(table, p)).Distinct()];
    }

    private static CandidatePlan SingleLibrary(MeasurementTable table, string primitive)
    {
        var space = table.Space;
        var choices = new int[space.Layers.Count];
        for (var i = 0; i < choices.Length; i++)
        {
            var layer = space.Layers[i];
            var plain = Enumerable.Range(0, layer.Choices.Count).Where(c => layer.Choices[c].Precision == Precision.Fp32 && layer.Choices[c].Threads == 1).ToArray();
            var own = plain.Where(c => layer.Choices[c].Primitive == primitive).ToArray();
            if (own.Length > 0 && layer.Op is OpType.Conv or OpType.FullyConnected)
            {
                choices[i] = Cheapest(table, i, own);
                continue;
            }

            var producer = layer.Inputs.Count > 0 ? layer.Inputs[0] : SearchLayer.GraphInput;
            var input = producer == SearchLayer.GraphInput ? TensorFormat.Plain : space.Layers[producer].Choices[choices[producer]].Format;
            var sameFormat = plain.Where(c => layer.Choices[c].Format == input).ToArray();
            choices[i] = Cheapest(table, i, sameFormat.Length > 0 ? sameFormat : plain.Length > 0 ? plain : [.. Enumerable.Range(0, layer.Choices.Count)]);
        }

        return new CandidatePlan(choices);
    }

    /// <summary>The candidate with the lowest known compute time; the first when none was measured.</summary>
    private static int Cheapest(MeasurementTable table, int layer, int[] candidates) =>
        candidates.MinBy(c => table.Compute(layer, c)?.Estimate ?? double.MaxValue);
}
