namespace Dsx.BoardHost;

/// <summary>The command line that starts an executor speaking the protocol on stdio.</summary>
/// <param name="Environment">Variables set (or, with a null value, removed) in the executor's environment on top of ours.</param>
public sealed record ExecutorLaunch(string Program, IReadOnlyList<string> Arguments, IReadOnlyDictionary<string, string?>? Environment = null)
{
    /// <summary>A locally built executor binary: <c>path --stdio</c>.</summary>
    public static ExecutorLaunch Local(string executorPath) => new(executorPath, ["--stdio"]);

    /// <summary>An aarch64 executor under user-mode qemu with the cross sysroot.</summary>
    public static ExecutorLaunch Qemu(string executorPath, string? cpu = null, string sysroot = "/usr/aarch64-linux-gnu") =>
        new("qemu-aarch64", [.. cpu is null ? Array.Empty<string>() : ["-cpu", cpu], "-L", sysroot, executorPath, "--stdio"]);

    /// <summary>The same launch with one more environment variable, e.g. <c>DSX_EXECUTOR_FAULTS=1</c>.</summary>
    public ExecutorLaunch WithEnvironment(string name, string? value)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        var environment = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var (key, existing) in Environment ?? new Dictionary<string, string?>())
        {
            environment[key] = existing;
        }

        environment[name] = value;
        return this with { Environment = environment };
    }

    public override string ToString()
    {
        var variables = (Environment ?? new Dictionary<string, string?>())
            .Where(v => v.Value is not null)
            .Select(v => $"{v.Key}={Quote(v.Value!)}");
        return string.Join(' ', variables.Concat(Arguments.Prepend(Program).Select(Quote)));
    }

    private static string Quote(string word) => word.Length > 0 && !word.Any(char.IsWhiteSpace) ? word : $"'{word}'";
}
