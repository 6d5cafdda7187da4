using Dsx.Wire;

namespace Dsx.Search.Tests.Evaluation;

/// <summary>Test code: small noise-free tables with random compute and conversion costs, every entry filled in.</summary>
internal static class SyntheticTables
{
    private static readonly LayerChoice[] Choices =
    [
        new("gemm_neon", Layout.Nchw, Precision.Fp32, 1),
        new("xnnpack", Layout.Nhwc, Precision.Fp32, 1),
        new("onednn", Layout.Nchw8C, Precision.Fp32, 1),
        new("int8_gemm_neon", Layout.Nchw, Precision.Int8, 1),
    ];

    /// <summary>
    /// A chain of convolutions; with <paramref name="residualEvery"/> &gt; 0, every so many layers an Add also reads the layer two back.
    /// Every layer offers <paramref name="choices"/> (default: four, one per format).
    /// </summary>
    public static AdditiveCostModel Build(int layers, ulong seed, int residualEvery = 0, IReadOnlyList<LayerChoice>? choices = null)
    {
        IReadOnlyList<LayerChoice> offered = choices ?? Choices;
        var specs = new List<SearchLayer>();
        for (var i = 0; i < layers; i++)
        {
            var residual = residualEvery > 0 && i >= 2 && i % residualEvery == 0;
            IReadOnlyList<int> inputs = i == 0 ? [SearchLayer.GraphInput] : residual ? [i - 1, i - 2] : [i - 1];
            specs.Add(new SearchLayer(
                i, $"l{i}", residual ? OpType.Add : OpType.Conv, 1e6 * (1 + (i % 3)), [1, 16, 8, 8], inputs, [.. inputs.Select(_ => 1024L)], i == layers - 1, offered));
        }

        var space = new SearchSpace("synthetic", specs);
        var table = new MeasurementTable(space, new BoardDescription("synthetic", "none", false, "test", 2));
        var random = new SplitMix64(seed);
        var formats = offered.Select(c => c.Format).Append(TensorFormat.Plain).Distinct().ToArray();
        foreach (var layer in space.Layers)
        {
            for (var c = 0; c < offered.Count; c++)
            {
                table.SetCompute(layer.Index, c, Stat(1 + (2 * random.NextDouble())));
            }

            // Every combination of input formats the layer can see, into every format it can run in.
            var combinations = layer.Inputs.Aggregate(
                (IEnumerable<TensorFormat[]>)[[]],
                (sofar, p) => sofar.SelectMany(prefix => (p == SearchLayer.GraphInput ? new[] { TensorFormat.Plain } : offered.Select(c => c.Format).Distinct()).Select(f => (TensorFormat[])[.. prefix, f])));
            foreach (var from in combinations)
            {
                foreach (var to in formats)
                {
                    if (MeasurementTable.NeedsConversion(layer, from, to))
                    {
                        table.SetConversion(layer.Index, from, to, Stat(0.3 + random.NextDouble()));
                    }
                }
            }
        }

        return new AdditiveCostModel(table);
    }

    private static TimingStat Stat(double ms)
    {
        var stat = new TimingStat();
        stat.Add(ms, ms, ms, 0);
        return stat;
    }
}
