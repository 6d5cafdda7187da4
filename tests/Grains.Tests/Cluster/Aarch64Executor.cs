using Dsx.BoardHost;
using Dsx.BoardHost.Tests;

namespace Dsx.Grains.Tests.Cluster;

/// <summary>
/// The aarch64 executor for emulated boards, found as <c>./dsx</c> sets it: $DSX_EXECUTOR_AARCH64, else
/// &lt;repo&gt;/Kernels.Native/build/aarch64/dsx-executor; it runs under qemu-aarch64, which must be on PATH.
/// </summary>
internal static class Aarch64Executor
{
    public const string EnvironmentVariable = "DSX_EXECUTOR_AARCH64";

    private static readonly Lazy<string?> SkipReasonOnce = new(Probe);

    /// <summary>The executor's absolute path (it may not exist; see <see cref="SkipReason"/>).</summary>
    public static string Path
    {
        get
        {
            var fromEnvironment = Environment.GetEnvironmentVariable(EnvironmentVariable);
            if (!string.IsNullOrEmpty(fromEnvironment))
            {
                return System.IO.Path.GetFullPath(fromEnvironment);
            }

            var root = ExecutorLocator.FindRepositoryRoot(AppContext.BaseDirectory) ?? "";
            return System.IO.Path.Combine(root, "Kernels.Native", "build", "aarch64", "dsx-executor");
        }
    }

    /// <summary>Null when emulated boards can be tested; with DSX_REQUIRE_EXECUTOR=1 always null, so a missing piece fails.</summary>
    public static string? SkipReason => SkipReasonOnce.Value;

    private static string? Probe()
    {
        if (ExecutorAvailability.SkipReason is { } reason)
        {
            return reason;
        }

        if (Environment.GetEnvironmentVariable(ExecutorAvailability.RequireVariable) == "1")
        {
            return null;
        }

        if (!File.Exists(Path))
        {
            return $"no aarch64 executor at {Path}: run ./dsx build (or set {EnvironmentVariable}).";
        }

        return ToolPath.Find("qemu-aarch64") is null ? "qemu-aarch64 is not installed (./dsx setup installs qemu-user)." : null;
    }
}
