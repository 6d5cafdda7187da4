using Dsx.Grains;
using ScottPlot;

namespace Dsx.Cli;

/// <summary>
/// The report's three PNGs, drawn with ScottPlot: best cost so far against episodes, per-layer time of the baseline
/// against the best plan, and the Pareto front of latency against peak memory. Every plot has the same size so that
/// the report lays out evenly and a test can check what was written.
/// </summary>
internal static class ReportPlots
{
    public const int Width = 900;

    public const int Height = 480;

    /// <summary>Best cost after each episode; episodes before the first confirmed plan have none and are left out.</summary>
    public static void SaveConvergence(ExplorationSummary summary, string path)
    {
        var plot = new Plot();
        var points = summary.BestCostByEpisode
            .Select((cost, i) => (Episode: i + 1.0, Cost: cost))
            .Where(p => p.Cost is { } c && double.IsFinite(c))
            .ToArray();
        if (points.Length > 0)
        {
            var line = plot.Add.ScatterLine(points.Select(p => p.Episode).ToArray(), points.Select(p => p.Cost!.Value).ToArray());
            line.LineWidth = 2;
            line.ConnectStyle = ConnectStyle.StepHorizontal;
            line.LegendText = "best so far";
        }

        if (summary.BaselineLatencyMs is { } baseline)
        {
            var reference = plot.Add.HorizontalLine(baseline);
            reference.LinePattern = LinePattern.Dashed;
            reference.LegendText = "baseline latency";
        }

        // Episodes are whole numbers: no 2.5th episode on the axis.
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
        plot.Title($"{summary.Id}: convergence ({summary.Spec?.Objective ?? "cost"})");
        plot.XLabel("episode");
        plot.YLabel(summary.Spec?.Objective == "latency" ? "best latency (ms)" : "best cost");
        plot.ShowLegend(Alignment.UpperRight);
        plot.SavePng(path, Width, Height);
    }

    /// <summary>Layers drawn one row each in the per-layer plot; the rest are summed into one row, so deep networks stay readable.</summary>
    public const int TopLayers = 15;

    /// <summary>
    /// Horizontal bars, baseline and best plan per row: the <see cref="TopLayers"/> layers the baseline spends most time in
    /// (the best plan's time where the baseline has none), slowest at the top, then one row summing all other layers.
    /// A layer without a time has no bar.
    /// </summary>
    public static void SaveLayerBreakdown(ExplorationReport report, string path)
    {
        var plot = new Plot();
        var rows = LayerRows(report.LayerNames, report.BaselineLayerMs, report.BestLayerMs, TopLayers);
        // Row 0 at the top: ScottPlot's y grows upwards.
        double Position(int row) => rows.Count - 1 - row;
        AddBars(plot, [.. rows.Select(r => r.BaselineMs)], Position, 0.2, Colors.Gray, "baseline");
        AddBars(plot, [.. rows.Select(r => r.BestMs)], Position, -0.2, Colors.SteelBlue, "best plan");
        plot.Axes.Left.SetTicks([.. rows.Select((_, i) => Position(i))], [.. rows.Select(r => r.Label)]);
        plot.Axes.Margins(left: 0);
        plot.Title($"{report.Summary.Id}: time per layer, baseline vs best ({Math.Min(TopLayers, report.LayerNames.Count)} slowest layers)");
        plot.XLabel("median ms (compute + conversion)");
        plot.ShowLegend(Alignment.LowerRight);
        plot.SavePng(path, Width, Height);
    }

    /// <summary>
    /// The plot's rows: the <paramref name="top"/> layers of most baseline time (best-plan time where the baseline has
    /// none) in decreasing order, then, when layers are left, one row "N other layers" with their sums (null where no
    /// layer of them has a time).
    /// </summary>
    public static IReadOnlyList<(string Label, double? BaselineMs, double? BestMs)> LayerRows(
        IReadOnlyList<string> names, IReadOnlyList<double?> baselineMs, IReadOnlyList<double?> bestMs, int top)
    {
        var layers = names
            .Select((name, i) => (Label: name, BaselineMs: At(baselineMs, i), BestMs: At(bestMs, i)))
            .OrderByDescending(l => l.BaselineMs ?? l.BestMs ?? double.NegativeInfinity)
            .ToList();
        var rows = layers.Take(top).ToList();
        var rest = layers.Skip(top).ToList();
        if (rest.Count > 0)
        {
            rows.Add(($"{rest.Count} other layers", Sum(rest.Select(l => l.BaselineMs)), Sum(rest.Select(l => l.BestMs))));
        }

        return rows;
    }

    /// <summary>
    /// Each front plan as a point, FP32 and INT8 plans told apart, joined in latency order, with the baseline for
    /// reference; both axes start at 0 so that distances read as ratios (and a one-plan front still has a scale).
    /// </summary>
    public static void SavePareto(ExplorationReport report, string path)
    {
        var plot = new Plot();
        var front = report.ParetoFront.OrderBy(p => p.LatencyMs).ToArray();
        if (front.Length > 0)
        {
            var line = plot.Add.ScatterLine(front.Select(p => p.LatencyMs).ToArray(), front.Select(p => Mib(p.PeakBytes)).ToArray());
            line.LineWidth = 1;
            line.LinePattern = LinePattern.Dotted;
            line.Color = Colors.Gray;
        }

        foreach (var group in front.GroupBy(p => p.UsesInt8))
        {
            var points = plot.Add.ScatterPoints(group.Select(p => p.LatencyMs).ToArray(), group.Select(p => Mib(p.PeakBytes)).ToArray());
            points.MarkerSize = 10;
            points.Color = group.Key ? Colors.OrangeRed : Colors.SteelBlue;
            points.LegendText = group.Key ? "uses INT8" : "FP32";
        }

        var xs = front.Select(p => p.LatencyMs).ToList();
        var ys = front.Select(p => Mib(p.PeakBytes)).ToList();
        if (report.Summary.BaselineLatencyMs is { } baselineMs && report.BaselinePeakBytes is { } baselineBytes)
        {
            var baseline = plot.Add.ScatterPoints(new[] { baselineMs }, new[] { Mib(baselineBytes) });
            baseline.MarkerSize = 10;
            baseline.MarkerShape = MarkerShape.OpenSquare;
            baseline.Color = Colors.Gray;
            baseline.LegendText = "baseline";
            xs.Add(baselineMs);
            ys.Add(Mib(baselineBytes));
        }

        if (xs.Count > 0)
        {
            plot.Axes.SetLimits(0, Math.Max(xs.Max(), 1e-6) * 1.15, 0, Math.Max(ys.Max(), 1e-6) * 1.15);
        }

        plot.Title($"{report.Summary.Id}: Pareto front");
        plot.XLabel("latency (ms)");
        plot.YLabel("peak memory (MiB)");
        // The baseline sits upper right (slowest, largest): keep the legend off it.
        plot.ShowLegend(Alignment.LowerRight);
        plot.SavePng(path, Width, Height);
    }

    private static void AddBars(Plot plot, IReadOnlyList<double?> ms, Func<int, double> position, double offset, Color color, string legend)
    {
        var bars = ms
            .Select((v, i) => (Value: v, Position: position(i) + offset))
            .Where(b => b.Value is not null)
            .Select(b => new Bar { Position = b.Position, Value = b.Value!.Value, Size = 0.4, FillColor = color })
            .ToList();
        if (bars.Count == 0)
        {
            return;
        }

        var series = plot.Add.Bars(bars);
        series.Horizontal = true;
        series.LegendText = legend;
    }

    private static double? At(IReadOnlyList<double?> values, int i) => i < values.Count ? values[i] : null;

    private static double? Sum(IEnumerable<double?> values)
    {
        var known = values.OfType<double>().ToList();
        return known.Count == 0 ? null : known.Sum();
    }

    private static double Mib(long bytes) => bytes / 1048576.0;
}
