namespace Dsx.Bench;

/// <summary>bench/results.md: bench/run's header (machine, load, commit), the report's sections, then an appended part (the farm's) if there is one.</summary>
internal static class ResultsDocument
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
            parts.Add(File.ReadAllText(append).TrimEnd() + "\n");
        }

        File.WriteAllText(path, string.Concat(parts));
    }
}
