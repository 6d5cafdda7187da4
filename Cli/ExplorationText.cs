using System.Globalization;
using System.Text;
using Dsx.Grains;

namespace Dsx.Cli;

/// <summary>How explorations read in the terminal: the status table, one summary, the report.</summary>
internal static class ExplorationText
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public static string StatusTable(IEnumerable<ExplorationSummary> explorations)
    {
        var table = new TextTable("exploration", "status", "model", "board kind", "strategy", "episodes", "best ms", "baseline ms", "speedup")
        {
            LeftAlignedColumns = 5,
        };
        foreach (var s in explorations)
        {
            table.AddRow(
                s.Id, s.Status.ToString().ToLowerInvariant(), s.Spec?.ModelName ?? "-", s.Spec?.BoardKind ?? "-", s.Spec?.Strategy ?? "-",
                string.Create(Invariant, $"{s.Episode}/{s.Spec?.Episodes ?? 0}"), Ms(s.BestLatencyMs), Ms(s.BaselineLatencyMs), Speedup(s));
        }

        return table.Render();
    }

    public static string Summary(ExplorationSummary s)
    {
        var text = new StringBuilder();
        text.AppendLine(Invariant, $"exploration {s.Id}: {s.Status.ToString().ToLowerInvariant()}");
        if (s.Spec is { } spec)
        {
            text.AppendLine(Invariant, $"  model {spec.ModelName} ({spec.ModelHash[..Math.Min(12, spec.ModelHash.Length)]}) on '{spec.BoardKind}' boards");
            text.AppendLine(Invariant, $"  {spec.Strategy}, {spec.Episodes} episodes, up to {spec.Batch} at once, objective {spec.Objective}, "
                + $"{(spec.AllowInt8 ? "INT8 allowed" : "FP32 only")}, seed {spec.Seed}");
        }

        text.AppendLine(Invariant, $"  episodes {s.Episode}; {s.BoardMeasurements} board measurements, {s.TableHits} answered from the table, {s.Failures} failed");
        text.AppendLine(Invariant, $"  best {Ms(s.BestLatencyMs)} ms, baseline {Ms(s.BaselineLatencyMs)} ms, speedup {Speedup(s)}");
        text.AppendLine(Invariant, $"  created {s.CreatedAt:yyyy-MM-dd HH:mm:ss}Z, updated {s.UpdatedAt:yyyy-MM-dd HH:mm:ss}Z");
        if (s.Error is { } error)
        {
            text.AppendLine(Invariant, $"  error: {error}");
        }

        return text.ToString();
    }

    public static string Report(ExplorationReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var text = new StringBuilder(Summary(report.Summary));
        if (report.BestPlan.Count == 0)
        {
            text.AppendLine("  no best plan yet");
            return text.ToString();
        }

        text.AppendLine(Invariant, $"  peak memory: best {Mib(report.BestPeakBytes)} MiB, baseline {Mib(report.BaselinePeakBytes)} MiB");
        if (report.AccuracyVerdict is { } verdict)
        {
            text.AppendLine(Invariant, $"  accuracy: {verdict}");
        }

        text.AppendLine().AppendLine("best plan:");
        var layers = new TextTable("layer", "op", "choice") { LeftAlignedColumns = 3 };
        foreach (var layer in report.BestPlan)
        {
            layers.AddRow(layer.Name, layer.Op, layer.Choice);
        }

        text.Append(layers.Render());
        text.AppendLine().AppendLine("Pareto front (latency vs peak memory):");
        var front = new TextTable("latency ms", "peak MiB", "int8") { LeftAlignedColumns = 0 };
        foreach (var point in report.ParetoFront)
        {
            front.AddRow(point.LatencyMs.ToString("0.000", Invariant), Mib(point.PeakBytes), point.UsesInt8 ? "yes" : "no");
        }

        return text.Append(front.Render()).ToString();
    }

    public static string Duration(TimeSpan span) =>
        span.TotalHours >= 1 ? string.Create(Invariant, $"{(int)span.TotalHours}h{span.Minutes:00}m")
        : span.TotalMinutes >= 1 ? string.Create(Invariant, $"{(int)span.TotalMinutes}m{span.Seconds:00}s")
        : string.Create(Invariant, $"{Math.Max(0, span.Seconds)}s");

    private static string Ms(double? ms) => ms is { } v ? v.ToString("0.000", Invariant) : "-";

    private static string Mib(long? bytes) => bytes is { } b ? (b / 1048576.0).ToString("0.0", Invariant) : "-";

    private static string Speedup(ExplorationSummary s) =>
        s is { BestLatencyMs: { } best, BaselineLatencyMs: { } baseline } && best > 0 ? (baseline / best).ToString("0.00", Invariant) + "x" : "-";
}
