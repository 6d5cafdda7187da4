namespace Dsx.BoardHost;

/// <summary>Client-side limits for one executor process.</summary>
/// <param name="RequestTimeout">Longest a request may take before the process is killed (qemu and big models are slow).</param>
/// <param name="ShutdownGrace">How long to wait for a clean exit after Shutdown before killing.</param>
/// <param name="StderrTailLines">How many of the executor's last stderr lines to keep for failure reports.</param>
public sealed record ExecutorOptions(
    TimeSpan RequestTimeout,
    TimeSpan ShutdownGrace,
    int MaxFrameBytes = FrameCodec.DefaultMaxFrameBytes,
    int StderrTailLines = 40)
{
    public static ExecutorOptions Default { get; } = new(TimeSpan.FromMinutes(10), TimeSpan.FromSeconds(5));

    /// <summary>
    /// Longest the connection and the Hello may take. Far below <see cref="RequestTimeout"/>: a board that does not even
    /// greet (a wedged ssh, a wrapper that swallows its input) must fail fast, not hold its board grain for ten minutes.
    /// </summary>
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Set only for a listening executor that keeps a model for all its connections (the replay boards' host): models are
    /// asked for by hash first, and a graph is sent once per host rather than once per board. Null (a real executor): a
    /// model's graph goes with its first load on each connection.
    /// </summary>
    public SharedModelLoads? SharedModels { get; init; }
}
