namespace Dsx.Cli;

/// <summary>Checks an output file's folder before the work that ends in writing it, so a typo costs no measurement.</summary>
internal static class OutputPath
{
    public static void CheckFolder(string? path, string option)
    {
        if (path is null)
        {
            return;
        }

        var folder = Path.GetDirectoryName(Path.GetFullPath(path));
        if (folder is not null && !Directory.Exists(folder))
        {
            throw new UsageException($"{option} '{path}': folder '{folder}' does not exist.");
        }
    }
}
