namespace Dsx.BoardHost;

/// <summary>The command line that starts an executor speaking the protocol on stdio.</summary>
public sealed record ExecutorLaunch(string Program, IReadOnlyList<string> Arguments)
{
    /// <summary>A locally built executor binary: <c>path --stdio</c>.</summary>
    public static ExecutorLaunch Local(string executorPath) => new(executorPath, ["--stdio"]);

    /// <summary>An aarch64 executor under user-mode qemu with the cross sysroot.</summary>
    public static ExecutorLaunch Qemu(string executorPath, string? cpu = null, string sysroot = "/usr/aarch64-linux-gnu") =>
        new("qemu-aarch64", [.. cpu is null ? Array.Empty<string>() : ["-cpu", cpu], "-L", sysroot, executorPath, "--stdio"]);

    public override string ToString() => string.Join(' ', Arguments.Prepend(Program).Select(Quote));

    private static string Quote(string word) => word.Length > 0 && !word.Any(char.IsWhiteSpace) ? word : $"'{word}'";
}
