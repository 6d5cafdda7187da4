using Dsx.Wire;

namespace Dsx.Search.Tests;

/// <summary>Small random search problems: chains and DAGs with branches and joins, and tables with conversions, memory and graph outputs.</summary>
internal static class RandomProblems
{
    private static readonly TensorFormat[] Formats =
        [TensorFormat.Plain, new(Layout.Nhwc, Precision.Fp32), new(Layout.Nhwc, Precision.Int8), new(Layout.Nchw8C, Precision.Fp32)];

    /// <summary>A network of <paramref name="layers"/> layers; with <paramref name="branches"/>, layers may read any earlier layer and join two.</summary>
    public static SearchSpace Space(SplitMix64 random, int layers, bool branches)
    {
        var list = new List<SearchLayer>();
        for (var i = 0; i < layers; i++)
        {
            int[] inputs = i == 0 ? [SearchLayer.GraphInput]
                : !branches ? [i - 1]
                : random.Next(3) == 0 ? [random.Next(i + 1) - 1, random.Next(i)]
                : [random.Next(i) - (random.Next(4) == 0 ? 1 : 0)];
            var choices = Enumerable.Range(0, 2 + random.Next(3))
                .Select(c => Formats[random.Next(Formats.Length)] is var f ? new LayerChoice($"p{c}", f.Layout, f.Precision, 1 + random.Next(2)) : null!)
                .ToList();
            var isOutput = i == layers - 1 || (branches && random.Next(4) == 0);
            list.Add(new SearchLayer(i, $"l{i}", OpType.Conv, 1e6, [1, 4, 4, 4], inputs, [.. inputs.Select(_ => 64L + random.Next(64))], isOutput, choices));
        }

        return new SearchSpace("random", list);
    }

    /// <summary>Every compute and memory entry measured; about half of the possible conversions measured, the rest estimated.</summary>
    public static MeasurementTable Table(SplitMix64 random, SearchSpace space)
    {
        var table = new MeasurementTable(space, new BoardDescription("test", "x86", false, "0", 1));
        foreach (var layer in space.Layers)
        {
            for (var c = 0; c < layer.Choices.Count; c++)
            {
                table.SetCompute(layer.Index, c, Stat(random, 0.5 + (5 * random.NextDouble())));
                table.SetMemory(layer.Index, c, new LayerMemory(random.Next(4 << 20), random.Next(1 << 20), 1 << 16));
            }

            foreach (var from in InputFormatTuples(layer))
            {
                foreach (var to in layer.Choices.Select(c => c.Format).Distinct())
                {
                    if (MeasurementTable.NeedsConversion(layer, from, to) && random.Next(2) == 0)
                    {
                        table.SetConversion(layer.Index, from, to, Stat(random, 3 * random.NextDouble()));
                    }
                }
            }
        }

        return table;
    }

    /// <summary>Every plan of the space (small spaces only).</summary>
    public static IEnumerable<CandidatePlan> AllPlans(SearchSpace space)
    {
        var counts = space.Layers.Select(l => l.Choices.Count).ToArray();
        var choices = new int[counts.Length];
        while (true)
        {
            yield return new CandidatePlan(choices);
            var k = 0;
            while (k < counts.Length && ++choices[k] == counts[k])
            {
                choices[k++] = 0;
            }

            if (k == counts.Length)
            {
                yield break;
            }
        }
    }

    /// <summary>A measured quantity with several measurement medians around <paramref name="ms"/> and a within-run spread.</summary>
    public static TimingStat Stat(SplitMix64 random, double ms)
    {
        var stat = new TimingStat();
        for (var k = 0; k < 3; k++)
        {
            var median = ms * (0.9 + (0.2 * random.NextDouble()));
            stat.Add(median * 0.8, median, median * 1.3, 0);
        }

        return stat;
    }

    private static IEnumerable<TensorFormat[]> InputFormatTuples(SearchLayer layer) =>
        layer.Inputs.Aggregate(
            new[] { Array.Empty<TensorFormat>() }.AsEnumerable(),
            (tuples, input) => tuples.SelectMany(t => (input == SearchLayer.GraphInput ? [TensorFormat.Plain] : Formats).Select(f => (TensorFormat[])[.. t, f])));
}
