using Dsx.BoardHost;
using Dsx.Grains.Tests.SiloProcesses;

namespace Dsx.Grains.Tests.Postgres;

/// <summary>
/// Whether the two-silo PostgreSQL tests can run here: Debian's PostgreSQL server binaries, the executor and the built
/// dsx command line. Missing pieces skip the tests with the reason, unless DSX_REQUIRE_EXECUTOR=1 (as ./dsx test sets):
/// then they run and fail, so CI cannot pass by silently skipping them.
/// </summary>
internal static class PostgresAvailability
{
    public const string RequireVariable = "DSX_REQUIRE_EXECUTOR";

    private static readonly Lazy<string?> SkipReasonOnce = new(Probe);

    /// <summary>Null when the tests should run.</summary>
    public static string? SkipReason => SkipReasonOnce.Value;

    /// <summary>The newest /usr/lib/postgresql/VERSION/bin holding initdb and pg_ctl, or null.</summary>
    public static string? BinDirectory { get; } = FindBinDirectory();

    private static string? Probe()
    {
        var missing = new List<string>();
        if (BinDirectory is null)
        {
            missing.Add("PostgreSQL server binaries (/usr/lib/postgresql/*/bin/initdb; Debian package postgresql, installed by ./dsx setup)");
        }
        else if (Environment.UserName == "root" && !File.Exists("/usr/sbin/runuser"))
        {
            missing.Add("runuser (PostgreSQL will not run as root, and runuser switches to the postgres user)");
        }

        if (!ExecutorLocator.TryLocate(out _, out var reason))
        {
            missing.Add(reason);
        }

        // SiloProcess says where dsx.dll is, so the probe checks the very file the silos will be started from.
        if (SiloProcess.DsxDll is not { } dll || !File.Exists(dll))
        {
            missing.Add($"the dsx command line ({SiloProcess.DsxDll ?? "Cli/bin/<configuration>/<framework>/dsx.dll"}; dotnet build Dsx.sln)");
        }

        if (missing.Count == 0 || Environment.GetEnvironmentVariable(RequireVariable) == "1")
        {
            return null;
        }

        return $"needs {string.Join("; ", missing)}. Set {RequireVariable}=1 to fail instead of skip.";
    }

    private static string? FindBinDirectory()
    {
        const string Root = "/usr/lib/postgresql";
        if (!Directory.Exists(Root))
        {
            return null;
        }

        return Directory.GetDirectories(Root)
            .Select(d => (Dir: Path.Combine(d, "bin"), Version: int.TryParse(Path.GetFileName(d), out var v) ? v : -1))
            .Where(c => File.Exists(Path.Combine(c.Dir, "initdb")) && File.Exists(Path.Combine(c.Dir, "pg_ctl")))
            .OrderByDescending(c => c.Version)
            .Select(c => c.Dir)
            .FirstOrDefault();
    }
}
