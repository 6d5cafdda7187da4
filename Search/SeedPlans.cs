using Dsx.Wire;

namespace Dsx.Search;

/// <summary>
/// The plans a user would try before any search: each library alone, every conv and FC layer on it where the layer
/// admits it, in each precision the library offers (FP32 first; INT8 only when the space allows it), on one thread and
/// on all the board's threads. Measured first, they give the learner a floor: the search never ends worse than the best
/// of them, and the table learns every layer's cost on each library early. Layers a library does not cover keep their
/// input's format on their cheapest known choice, so a seed plan converts only where the library itself does.
/// </summary>
public static class SeedPlans
{
    public static IReadOnlyList<CandidatePlan> SingleLibraries(MeasurementTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        var libraryChoices = table.Space.Layers
            .Where(l => l.Op is OpType.Conv or OpType.FullyConnected)
            .SelectMany(l => l.Choices)
            .Where(c => c.Primitive != "ref")
            .ToList();
        if (libraryChoices.Count == 0) return [];

        var maxThreads = libraryChoices.Max(c => c.Threads);
        var seeds = new List<CandidatePlan>();
        // Cheapest first: one-thread FP32 plans are what a user tries first and what the others are judged against.
        foreach (var threads in new[] { 1, maxThreads }.Distinct())
        {
            foreach (var precision in new[] { Precision.Fp32, Precision.Int8 })
            {
                var primitives = libraryChoices
                    .Where(c => c.Precision == precision && c.Threads == threads)
                    .Select(c => c.Primitive)
                    .Distinct()
                    .Order(StringComparer.Ordinal);
                seeds.AddRange(primitives.Select(p => SingleLibrary(table, p, precision, threads)));
            }
        }

        return [.. seeds.Distinct()];
    }

    private static CandidatePlan SingleLibrary(MeasurementTable table, string primitive, Precision precision, int threads)
    {
        var space = table.Space;
        var choices = new int[space.Layers.Count];
        for (var i = 0; i < choices.Length; i++)
        {
            var layer = space.Layers[i];
            var all = Enumerable.Range(0, layer.Choices.Count).ToArray();
            int[] Where(Func<LayerChoice, bool> keep) => [.. all.Where(c => keep(layer.Choices[c]))];

            if (layer.Op is OpType.Conv or OpType.FullyConnected)
            {
                // The library in the seed's precision, else in another one (a layer INT8 cannot take stays FP32 on it).
                var own = Where(c => c.Primitive == primitive && c.Precision == precision && c.Threads == threads);
                if (own.Length == 0) own = Where(c => c.Primitive == primitive && c.Precision == Precision.Fp32 && c.Threads == threads);
                if (own.Length > 0)
                {
                    choices[i] = Cheapest(table, i, own);
                    continue;
                }
            }

            var producer = layer.Inputs.Count > 0 ? layer.Inputs[0] : SearchLayer.GraphInput;
            var input = producer == SearchLayer.GraphInput ? TensorFormat.Plain : space.Layers[producer].Choices[choices[producer]].Format;
            // In order of preference: stay in the input's format at the plan's thread count, then in its layout in FP32.
            var preferred = new[]
            {
                Where(c => c.Format == input && c.Threads == threads),
                Where(c => c.Format == input && c.Threads == 1),
                Where(c => c.Layout == input.Layout && c.Precision == Precision.Fp32 && c.Threads == threads),
                Where(c => c.Precision == Precision.Fp32 && c.Threads == threads),
                Where(c => c.Precision == Precision.Fp32 && c.Threads == 1),
                all,
            };
            choices[i] = Cheapest(table, i, preferred.First(p => p.Length > 0));
        }

        return new CandidatePlan(choices);
    }

    /// <summary>The candidate with the lowest known compute time; the first when none was measured.</summary>
    private static int Cheapest(MeasurementTable table, int layer, int[] candidates) =>
        candidates.MinBy(c => table.Compute(layer, c)?.Estimate ?? double.MaxValue);
}
