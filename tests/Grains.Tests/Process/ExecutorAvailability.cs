using Dsx.BoardHost;

namespace Dsx.Grains.Tests.Process;

/// <summary>
/// Whether the real executor can be tested here (the idea of BoardHost.Tests' check): it must be built and complete the
/// handshake. Where it is missing or a placeholder the tests are skipped with the reason, unless DSX_REQUIRE_EXECUTOR=1
/// (what ./dsx test sets), where they run and fail instead, so a broken build cannot pass as "skipped".
/// </summary>
internal static class ExecutorAvailability
{
    public const string RequireVariable = "DSX_REQUIRE_EXECUTOR";

    private static readonly Lazy<string?> SkipReasonOnce = new(Probe);

    /// <summary>Null when the tests should run.</summary>
    public static string? SkipReason => SkipReasonOnce.Value;

    private static string? Probe()
    {
        if (Environment.GetEnvironmentVariable(RequireVariable) == "1")
        {
            return null;
        }

        if (!ExecutorLocator.TryLocate(out var path, out var reason))
        {
            return $"{reason} Set {RequireVariable}=1 to fail instead of skip.";
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
            return $"{path} exists but does not complete the handshake ({e.Message.Split('\n')[0]}). Set {RequireVariable}=1 to fail instead of skip.";
        }
    }
}
