using ScottPlot;

namespace Dsx.Bench;

/// <summary>bench/results.md's plots: grouped bars, one group per model, one bar per series, with a reference line.</summary>
internal static class ResultsPlots
{
    private static readonly Color[] Palette = [Colors.SteelBlue, Colors.OrangeRed, Colors.SeaGreen, Colors.Orange, Colors.SlateGray];

    /// <param name="series">Label and one value per model (null: no bar).</param>
    /// <param name="reference">A dashed horizontal line (e.g. 1 = par), or null.</param>
    /// <param name="log10">Plot log10 of the values with 10^k tick labels (values spanning orders of magnitude).</param>
    public static void SaveGroupedBars(
        string path, string title, string yLabel, IReadOnlyList<string> models, IReadOnlyList<(string Label, double?[] Values)> series, double? reference, bool log10 = false)
    {
        var plot = new Plot();
        var width = 0.8 / Math.Max(1, series.Count);
        for (var s = 0; s < series.Count; s++)
        {
            var bars = series[s].Values
                .Select((v, m) => (Value: v, Position: m - 0.4 + (width * (s + 0.5))))
                .Where(b => b.Value is { } v && double.IsFinite(v) && (!log10 || v > 0))
                .Select(b => new Bar { Position = b.Position, Value = log10 ? Math.Log10(b.Value!.Value) : b.Value!.Value, Size = width * 0.95, FillColor = Palette[s % Palette.Length] })
                .ToList();
            if (bars.Count > 0)
            {
                plot.Add.Bars(bars).LegendText = series[s].Label;
            }
        }

        if (reference is { } r)
        {
            var line = plot.Add.HorizontalLine(log10 ? Math.Log10(r) : r);
            line.LinePattern = LinePattern.Dashed;
            line.Color = Colors.Black;
        }

        plot.Axes.Bottom.SetTicks([.. Enumerable.Range(0, models.Count).Select(i => (double)i)], [.. models]);
        if (log10)
        {
            plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic
            {
                MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(),
                IntegerTicksOnly = true,
                LabelFormatter = exponent => Math.Pow(10, exponent).ToString("G4", System.Globalization.CultureInfo.InvariantCulture),
            };
        }
        else
        {
            plot.Axes.Margins(bottom: 0);
        }

        plot.Title(title);
        plot.YLabel(yLabel);
        // Outside the data: bars reach any height.
        plot.ShowLegend(Edge.Right);
        plot.SavePng(path, 1000, 480);
    }
}
