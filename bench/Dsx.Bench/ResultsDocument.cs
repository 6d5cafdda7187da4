using System.Text.RegularExpressions;

namespace Dsx.Bench;

/// <summary>bench/results.md: bench/run's header (machine, load, commit), the report's sections, then an appended part (the farm's) if there is one.</summary>
internal static partial class ResultsDocument
{
    public static void Write(string path, ResultsReport report, string plots, string? header, string? append)
    {
        var parts = new List<string>();
        if (header is not null)
        {
            parts.Add(File.ReadAllText(header).TrimEnd() + "\n\n");
        }

        parts.Add(report.Write(plots, Path.GetDirectoryName(Path.GetFullPath(path))!));
        if (append is not null && File.Exists(append))
        {
            parts.Add(RebaseLinks(File.ReadAllText(append), Path.GetDirectoryName(Path.GetFullPath(append))!, Path.GetDirectoryName(Path.GetFullPath(path))!).TrimEnd() + "\n");
        }

        File.WriteAllText(path, string.Concat(parts));
    }

    /// <summary>Relative Markdown links of a part written in <paramref name="from"/>, rewritten to work from <paramref name="to"/>.</summary>
    public static string RebaseLinks(string markdown, string from, string to) =>
        RelativeLink().Replace(markdown, m => $"]({Path.GetRelativePath(to, Path.Combine(from, m.Groups[1].Value)).Replace('\\', '/')})");

    // ](target) where target is neither absolute, a URL nor an anchor.
    [GeneratedRegex(@"\]\((?![a-z]+:|/|#)([^)\s]+)\)")]
    private static partial Regex RelativeLink();
}
