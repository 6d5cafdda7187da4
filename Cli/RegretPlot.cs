using Dsx.Search;
using ScottPlot;

namespace Dsx.Cli;

/// <summary>
/// Mean regret (cost of the pick / optimum - 1) vs episodes, one line per strategy, one panel per table, both axes
/// logarithmic (regret spans orders of magnitude; it is clamped to <see cref="Floor"/> so that a search at the optimum
/// stays on the plot).
/// </summary>
internal static class RegretPlot
{
    private const double Floor = 1e-4;

    public static void Save(IReadOnlyList<TableRegret> tables, Objective objective, bool measuredNoise, string path)
    {
        var multiplot = new Multiplot();
        multiplot.AddPlots(tables.Count);
        for (var t = 0; t < tables.Count; t++)
        {
            var table = tables[t];
            var plot = multiplot.GetPlot(t);
            foreach (var strategy in table.Strategies)
            {
                var episodes = strategy.PerSeed[0].Length;
                var xs = Enumerable.Range(1, episodes).Select(e => Math.Log10(e)).ToArray();
                var ys = Enumerable.Range(1, episodes).Select(e => Math.Log10(Math.Max(Floor, strategy.Mean(e)))).ToArray();
                var line = plot.Add.ScatterLine(xs, ys);
                line.LegendText = strategy.Strategy;
                line.LineWidth = 2;
            }

            plot.Axes.Bottom.TickGenerator = LogTicks();
            plot.Axes.Left.TickGenerator = LogTicks();
            plot.Title($"{table.Model}: DP optimum {table.Optimum:0.##} ({objective}, {(measuredNoise ? "measured noise" : "no noise")})");
            plot.XLabel("episodes");
            plot.YLabel("mean regret");
            plot.ShowLegend(Alignment.UpperRight);
        }

        multiplot.SavePng(path, 900, 420 * tables.Count);
    }

    private static ScottPlot.TickGenerators.NumericAutomatic LogTicks() => new()
    {
        MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(),
        IntegerTicksOnly = true,
        LabelFormatter = exponent => Math.Pow(10, exponent).ToString("G4", System.Globalization.CultureInfo.InvariantCulture),
    };
}
