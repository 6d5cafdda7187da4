namespace Dsx.BoardHost;

/// <summary>
/// Finds the locally built executor: $DSX_EXECUTOR if set, else
/// &lt;repo&gt;/Kernels.Native/build/x86_64/dsx-executor, where &lt;repo&gt; is the nearest folder above
/// this program that holds Dsx.sln.
/// </summary>
public static class ExecutorLocator
{
    public const string EnvironmentVariable = "DSX_EXECUTOR";

    public static readonly string RelativeBuildPath = Path.Combine("Kernels.Native", "build", "x86_64", "dsx-executor");

    public static string Locate() =>
        TryLocate(out var path, out var reason) ? path : throw new ExecutorNotFoundException(reason);

    /// <param name="reason">When not found: where we looked and what to do.</param>
    public static bool TryLocate(out string path, out string reason)
    {
        var fromEnvironment = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrEmpty(fromEnvironment))
        {
            path = Path.GetFullPath(fromEnvironment);
            reason = File.Exists(path) ? "" : $"{EnvironmentVariable} is set to '{fromEnvironment}', but there is no such file.";
            return reason.Length == 0;
        }

        var root = FindRepositoryRoot(AppContext.BaseDirectory);
        if (root is null)
        {
            path = "";
            reason = $"No executor found: {EnvironmentVariable} is not set and no folder above {AppContext.BaseDirectory} holds Dsx.sln.";
            return false;
        }

        path = Path.Combine(root, RelativeBuildPath);
        reason = File.Exists(path)
            ? ""
            : $"The executor is not built: {path} does not exist. Run ./dsx build (or set {EnvironmentVariable} to an executor binary).";
        return reason.Length == 0;
    }

    /// <summary>The nearest folder at or above <paramref name="start"/> that holds Dsx.sln, or null.</summary>
    public static string? FindRepositoryRoot(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Dsx.sln")))
            {
                return dir.FullName;
            }
        }

        return null;
    }
}
