namespace Dsx.BoardHost;

/// <summary>
/// How to reach an executor: the command line that starts one speaking the protocol on stdio, or (with
/// <see cref="Remote"/> set, see <see cref="Tcp"/>) the address of one already listening with <c>--listen</c>.
/// </summary>
/// <param name="Environment">Variables set (or, with a null value, removed) in the executor's environment on top of ours.</param>
public sealed record ExecutorLaunch(string Program, IReadOnlyList<string> Arguments, IReadOnlyDictionary<string, string?>? Environment = null)
{
    /// <summary>The listening executor to connect to instead of starting a process; null for a command line.</summary>
    public ExecutorEndpoint? Remote { get; init; }

    /// <summary>An executor started elsewhere as <c>dsx-executor --listen HOST:PORT --token TOKEN</c>.</summary>
    public static ExecutorLaunch Tcp(string host, int port, string token)
    {
        ArgumentException.ThrowIfNullOrEmpty(host);
        ArgumentOutOfRangeException.ThrowIfLessThan(port, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, 65535);
        ArgumentNullException.ThrowIfNull(token);
        return new ExecutorLaunch("", []) { Remote = new ExecutorEndpoint(host, port, token) };
    }

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
        if (Remote is not null)
        {
            return Remote.ToString();
        }

        var variables = (Environment ?? new Dictionary<string, string?>())
            .Where(v => v.Value is not null)
            .Select(v => $"{v.Key}={Quote(v.Value!)}");
        return string.Join(' ', variables.Concat(Arguments.Prepend(Program).Select(Quote)));
    }

    private static string Quote(string word) => word.Length > 0 && !word.Any(char.IsWhiteSpace) ? word : $"'{word}'";
}

/// <summary>A listening executor's address and the token its Hello must carry.</summary>
public sealed record ExecutorEndpoint(string Host, int Port, string Token)
{
    /// <summary>The address only: the token is a secret and stays out of logs and messages.</summary>
    public override string ToString() => $"tcp://{Host}:{Port}";
}
