namespace Dsx.BoardHost.Tests;

/// <summary>
/// Whether the real executor can be tested here: it must be built and complete the handshake.
/// A binary that exists but cannot handshake (a placeholder build) skips the tests with the reason,
/// unless DSX_REQUIRE_EXECUTOR=1, where they run and fail instead: for CI once the executor is real.
/// </summary>
internal static class ExecutorAvailability
{
    public const string RequireVariable = "DSX_REQUIRE_EXECUTOR";

    private static readonly Lazy<string?> SkipReasonOnce = new(Probe);

    /// <summary>Null when the integration tests should run.</summary>
    public static string? SkipReason => SkipReasonOnce.Value;

    private static string? Probe()
    {
        if (!ExecutorLocator.TryLocate(out var path, out var reason))
        {
            return reason;
        }

        if (Environment.GetEnvironmentVariable(RequireVariable) == "1")
        {
            return null;
        }

        try
        {
            var options = ExecutorOptions.Default with { RequestTimeout = TimeSpan.FromSeconds(20) };
            var executor = ExecutorProcess.StartAsync(ExecutorLaunch.Local(path), options).GetAwaiter().GetResult();
            executor.DisposeAsync().AsTask().GetAwaiter().GetResult();
            return null;
        }
        catch (Exception e) when (e is ExecutorFailureException or ExecutorErrorException or ProtocolVersionMismatchException)
        {
            var firstLine = e.Message.Split('\n')[0];
            return $"{path} exists but does not complete the handshake ({firstLine}). Set {RequireVariable}=1 to fail instead of skip.";
        }
    }
}
