using System.Globalization;
using System.Net;
using System.Text;
using Dsx.Grains;

namespace Dsx.Cli;

/// <summary>
/// <c>dsx report ID -o FILE</c>: a Markdown or HTML report of an exploration (summary, best plan per layer against the
/// baseline, Pareto front) with its plots written as PNGs beside it (<c>report-convergence.png</c>, ...) and referenced
/// by relative path, so the folder can be moved or published as it is.
/// </summary>
internal static class ReportWriter
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>The format of <paramref name="path"/>: HTML for .html/.htm, Markdown otherwise.</summary>
    public static string FormatOf(string path) =>
        Path.GetExtension(path).ToLowerInvariant() is ".html" or ".htm" ? "html" : "md";

    /// <summary>Writes the report and its plots; returns the PNGs written (full paths).</summary>
    public static IReadOnlyList<string> Write(ExplorationReport report, string path, string? format = null)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(path);
        format ??= FormatOf(path);
        if (format is not ("md" or "html"))
        {
            throw new UsageException($"--format is md or html, not '{format}'.");
        }

        var full = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(directory);
        var stem = Path.GetFileNameWithoutExtension(full);
        var images = new List<(string Title, string File)>
        {
            ("Convergence", $"{stem}-convergence.png"),
        };
        ReportPlots.SaveConvergence(report.Summary, Path.Combine(directory, images[^1].File));
        if (report.LayerNames.Count > 0 && (report.BestLayerMs.Count > 0 || report.BaselineLayerMs.Count > 0))
        {
            images.Add(("Time per layer, baseline vs best", $"{stem}-layers.png"));
            ReportPlots.SaveLayerBreakdown(report, Path.Combine(directory, images[^1].File));
        }

        if (report.ParetoFront.Count > 0)
        {
            images.Add(("Pareto front: latency vs peak memory", $"{stem}-pareto.png"));
            ReportPlots.SavePareto(report, Path.Combine(directory, images[^1].File));
        }

        File.WriteAllText(full, format == "html" ? Html(report, images) : Markdown(report, images));
        return [.. images.Select(i => Path.Combine(directory, i.File))];
    }

    private static string Markdown(ExplorationReport report, IReadOnlyList<(string Title, string File)> images)
    {
        var s = report.Summary;
        var text = new StringBuilder();
        text.AppendLine(Invariant, $"# Exploration {s.Id}").AppendLine();
        AppendMarkdownTable(text, ["", ""], SummaryRows(report));
        foreach (var (title, file) in images)
        {
            text.AppendLine().AppendLine(Invariant, $"## {title}").AppendLine().AppendLine(Invariant, $"![{title}]({Uri.EscapeDataString(file)})");
        }

        if (report.BestPlan.Count > 0)
        {
            text.AppendLine().AppendLine("## Best plan per layer").AppendLine();
            AppendMarkdownTable(text, ["layer", "op", "choice", "best ms", "baseline ms"], LayerRows(report));
        }

        if (report.ParetoFront.Count > 0)
        {
            text.AppendLine().AppendLine("## Pareto front").AppendLine();
            AppendMarkdownTable(text, ["latency ms", "peak MiB", "INT8"], ParetoRows(report));
        }

        return text.ToString();
    }

    private static string Html(ExplorationReport report, IReadOnlyList<(string Title, string File)> images)
    {
        var s = report.Summary;
        var text = new StringBuilder();
        text.AppendLine("<!DOCTYPE html>").AppendLine("<html lang=\"en\"><head><meta charset=\"utf-8\">")
            .AppendLine(Invariant, $"<title>Exploration {E(s.Id)}</title>")
            .AppendLine("<style>body{font-family:sans-serif;max-width:960px;margin:2em auto}table{border-collapse:collapse}"
                + "td,th{border:1px solid #ccc;padding:2px 8px;text-align:right}td:first-child,th:first-child{text-align:left}img{max-width:100%}</style>")
            .AppendLine("</head><body>")
            .AppendLine(Invariant, $"<h1>Exploration {E(s.Id)}</h1>");
        AppendHtmlTable(text, null, SummaryRows(report));
        foreach (var (title, file) in images)
        {
            text.AppendLine(Invariant, $"<h2>{E(title)}</h2>")
                .AppendLine(Invariant, $"<img src=\"{E(Uri.EscapeDataString(file))}\" alt=\"{E(title)}\" width=\"{ReportPlots.Width}\" height=\"{ReportPlots.Height}\">");
        }

        if (report.BestPlan.Count > 0)
        {
            text.AppendLine("<h2>Best plan per layer</h2>");
            AppendHtmlTable(text, ["layer", "op", "choice", "best ms", "baseline ms"], LayerRows(report));
        }

        if (report.ParetoFront.Count > 0)
        {
            text.AppendLine("<h2>Pareto front</h2>");
            AppendHtmlTable(text, ["latency ms", "peak MiB", "INT8"], ParetoRows(report));
        }

        return text.AppendLine("</body></html>").ToString();
    }

    private static List<string[]> SummaryRows(ExplorationReport report)
    {
        var s = report.Summary;
        var rows = new List<string[]> { new[] { "status", s.Status.ToString().ToLowerInvariant() } };
        if (s.Spec is { } spec)
        {
            rows.Add(["model", $"{spec.ModelName} ({spec.ModelHash[..Math.Min(12, spec.ModelHash.Length)]})"]);
            rows.Add(["board kind", spec.BoardKind]);
            rows.Add(["strategy", string.Create(Invariant, $"{spec.Strategy}, {spec.Episodes} episodes, up to {spec.Batch} at once, seed {spec.Seed}")]);
            rows.Add(["objective", $"{spec.Objective}, {(spec.AllowInt8 ? "INT8 allowed" : "FP32 only")}"]);
        }

        rows.Add(["episodes", s.Episode.ToString(Invariant)]);
        rows.Add(["measurements", string.Create(Invariant, $"{s.BoardMeasurements} on boards, {s.TableHits} from the table, {s.Failures} failed")]);
        rows.Add(["best latency", Ms(s.BestLatencyMs) + " ms"]);
        rows.Add(["baseline latency", Ms(s.BaselineLatencyMs) + " ms"]);
        rows.Add(["speedup", s is { BestLatencyMs: { } best, BaselineLatencyMs: { } baseline } && best > 0 ? (baseline / best).ToString("0.00", Invariant) + "x" : "-"]);
        rows.Add(["peak memory", $"best {Mib(report.BestPeakBytes)} MiB, baseline {Mib(report.BaselinePeakBytes)} MiB"]);
        if (report.AccuracyVerdict is { } verdict)
        {
            rows.Add(["accuracy", verdict]);
        }

        if (s.Error is { } error)
        {
            rows.Add(["error", error]);
        }

        return rows;
    }

    private static List<string[]> LayerRows(ExplorationReport report) =>
        [.. report.BestPlan.Select((l, i) => new[] { l.Name, l.Op, l.Choice, Ms(At(report.BestLayerMs, i)), Ms(At(report.BaselineLayerMs, i)) })];

    private static List<string[]> ParetoRows(ExplorationReport report) =>
        [.. report.ParetoFront.OrderBy(p => p.LatencyMs).Select(p => new[] { Ms(p.LatencyMs), Mib(p.PeakBytes), p.UsesInt8 ? "yes" : "no" })];

    private static void AppendMarkdownTable(StringBuilder text, string[] header, IEnumerable<string[]> rows)
    {
        text.AppendLine("| " + string.Join(" | ", header.Select(Cell)) + " |");
        text.AppendLine("|" + string.Concat(header.Select(_ => "---|")));
        foreach (var row in rows)
        {
            text.AppendLine("| " + string.Join(" | ", row.Select(Cell)) + " |");
        }

        // A pipe would end the cell early, a newline the row.
        static string Cell(string s) => s.Replace("|", "\\|", StringComparison.Ordinal).ReplaceLineEndings(" ");
    }

    private static void AppendHtmlTable(StringBuilder text, string[]? header, IEnumerable<string[]> rows)
    {
        text.AppendLine("<table>");
        if (header is not null)
        {
            text.AppendLine("<tr>" + string.Concat(header.Select(h => $"<th>{E(h)}</th>")) + "</tr>");
        }

        foreach (var row in rows)
        {
            text.AppendLine("<tr>" + string.Concat(row.Select(c => $"<td>{E(c)}</td>")) + "</tr>");
        }

        text.AppendLine("</table>");
    }

    private static double? At(IReadOnlyList<double?> values, int i) => i < values.Count ? values[i] : null;

    private static string E(string s) => WebUtility.HtmlEncode(s);

    private static string Ms(double? ms) => ms is { } v ? v.ToString("0.000", Invariant) : "-";

    private static string Mib(long? bytes) => bytes is { } b ? (b / 1048576.0).ToString("0.0", Invariant) : "-";
}
