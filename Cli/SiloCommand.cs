using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Dsx.BoardHost;
using Dsx.Grains;
using Dsx.Search;
using Dsx.Silo;
using Dsx.Silo.Postgres;
using Dsx.Silo.Storage;
using Dsx.Silo.Web;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Dsx.Cli;

/// <summary>
/// <c>dsx silo</c>: hosts a Dsx silo on this machine until Ctrl-C or SIGTERM, and optionally local boards on this
/// machine's executor. Alone: grain state and the measurement store in one SQLite file, ports on loopback. With
/// <c>--cluster</c>: one of several hosts, with membership, grain state and reminders in PostgreSQL (schema created on
/// first start) and ports on an address the other hosts reach. Explorations that were running when a silo stopped resume.
/// </summary>
internal static class SiloCommand
{
    public static Command Create()
    {
        var database = DatabaseOption("The SQLite file for grain state and measurements (created if missing; unused with --cluster).");
        var cluster = new Option<string>("--cluster")
        {
            Description = "Join a cluster of several hosts whose membership, grain state and reminders live in PostgreSQL: "
                + "postgres://USER:PASSWORD@HOST:PORT/DB or an Npgsql connection string (Host=...;Username=...). The schema is created on first start.",
        };
        var clusterId = new Option<string>("--cluster-id")
        {
            Description = "With --cluster: silos with the same id in the same database form one cluster.",
            DefaultValueFactory = _ => DsxClusterOptions.DefaultClusterId,
        };
        var serviceId = new Option<string>("--service-id")
        {
            Description = "With --cluster: whose grain state and reminders these are; keep it across redeployments.",
            DefaultValueFactory = _ => DsxClusterOptions.DefaultServiceId,
        };
        var address = new Option<string>("--address")
        {
            Description = "With --cluster: the IP address this silo listens on and the other hosts reach it at (default: this host's first non-loopback IPv4).",
        };
        var failureDetection = new Option<double?>("--failure-detection")
        {
            Description = "With --cluster: seconds a silent silo has before the others declare it dead and take over its work (default: Orleans', tens of seconds).",
        };
        var siloPort = new Option<int>("--silo-port") { Description = "Silo-to-silo port.", DefaultValueFactory = _ => DsxSiloOptions.DefaultSiloPort };
        var gatewayPort = new Option<int>("--gateway-port") { Description = "Port the dsx client verbs connect to.", DefaultValueFactory = _ => DsxSiloOptions.DefaultGatewayPort };
        var localBoards = new Option<int>("--local-boards")
        {
            Description = "Register this many boards of kind 'local' on this machine's executor, each pinned to its own core (0: none; "
                + "boards added with 'dsx boards add' persist either way).",
            DefaultValueFactory = _ => 0,
        };
        var boardsFile = new Option<string>("--boards")
        {
            Description = "A boards.yaml whose boards are registered at start (see 'dsx boards load --help' for the format).",
        };
        var replayBoards = new Option<int>("--replay-boards")
        {
            Description = "Register this many replay boards (ids replay-N), which answer from --replay-table without compute: for scale tests of the farm.",
            DefaultValueFactory = _ => 0,
        };
        var replayTable = new Option<string>("--replay-table")
        {
            Description = "With --replay-boards: the measurement table they replay; their kind is 'replay:' + the table's board kind.",
        };
        var replayTimeScale = new Option<double?>("--replay-time-scale") { Description = "With --replay-boards: the factor on the replayed measurement times (default 1)." };
        var timingLog = new Option<string>("--timing-log")
        {
            Description = "Append one CSV line per measurement of this silo's boards (board, executor-side start and end in Unix ns) to this file.",
        };
        var urls = new Option<string>("--urls")
        {
            Description = "Where the Orleans Dashboard (/dashboard) and the JSON API (/api) listen, ';'-separated; loopback unless you open it.",
            DefaultValueFactory = _ => DsxWebOptions.DefaultUrls,
        };
        var apiKey = new Option<string>("--api-key")
        {
            Description = "When set, every state-changing API call (POST: pause, resume, cancel) must carry it in the X-Api-Key header; reads stay open.",
        };
        var measureTimeout = new Option<double>("--measure-timeout")
        {
            Description = "Seconds one board request (a measurement, a calibration run, a model load) may take before the board's executor is "
                + "taken for hung, killed and restarted, and the plan blamed; raise it for big models on slow or emulated boards.",
            DefaultValueFactory = _ => BoardOptions.Default.MeasurementTimeout.TotalSeconds,
        };
        var verbose = new Option<bool>("--verbose") { Description = "Log Orleans' and Dsx's information messages, not only warnings." };
        foreach (var option in new[] { siloPort, gatewayPort })
        {
            option.Require(p => p is >= 1 and <= 65535, $"{option.Name} must be a port number (1-65535).");
        }

        foreach (var count in new[] { localBoards, replayBoards })
        {
            count.Require(n => n >= 0, $"{count.Name} must not be negative.");
        }

        failureDetection.Require(s => s is null or (>= 1 and <= 3600), "--failure-detection must be between 1 and 3600 seconds.");
        measureTimeout.Require(s => s is >= 1 and <= 86400, "--measure-timeout must be between 1 and 86400 seconds.");
        replayTimeScale.Require(s => s is null or (>= 0 and <= 1000), "--replay-time-scale must be between 0 and 1000.");

        var command = new Command("silo", "Host a Dsx silo (Orleans) on this machine until Ctrl-C: explorations, the board farm, the measurement store.")
        {
            database, cluster, clusterId, serviceId, address, failureDetection, siloPort, gatewayPort, localBoards, boardsFile,
            replayBoards, replayTable, replayTimeScale, timingLog, measureTimeout, urls, apiKey, verbose,
        };
        command.SetAction((r, ct) => CliErrors.Guard(() =>
        {
            var clusterOptions = r.GetValue(cluster) is { } clusterText
                ? ClusterOptions(clusterText, r.GetValue(clusterId)!, r.GetValue(serviceId)!, r.GetValue(address), r.GetValue(failureDetection))
                : r.GetValue(address) is not null || r.GetValue(failureDetection) is not null
                    ? throw new UsageException("--address and --failure-detection only apply with --cluster (alone, a silo listens on loopback).")
                    : null;
            var replayCount = r.GetValue(replayBoards);
            var replayTablePath = r.GetValue(replayTable) is { } path ? Path.GetFullPath(path) : null;
            if (replayCount > 0 != replayTablePath is not null)
            {
                throw new UsageException("--replay-boards and --replay-table go together: N replay boards answer from one table.");
            }

            return RunAsync(
                replayTablePath is null ? null : new ReplayRequest(replayTablePath, r.GetValue(replayTimeScale)),
                new DsxSiloOptions
                {
                    DatabasePath = Path.GetFullPath(r.GetValue(database)!),
                    Cluster = clusterOptions,
                    SiloPort = r.GetValue(siloPort),
                    GatewayPort = r.GetValue(gatewayPort),
                    LocalBoards = r.GetValue(localBoards),
                    ExecutorPath = r.GetValue(localBoards) > 0 ? ExecutorLocator.Locate() : null,
                    // Read now, so a wrong file stops the command with its line instead of failing inside the silo.
                    Boards = r.GetValue(boardsFile) is { } file ? BoardsFile.Load(file) : [],
                    ReplayBoards = replayCount,
                    // Read now, so a wrong table stops the command with one line; the kind says whose timings are replayed.
                    ReplayKind = replayTablePath is null ? null : BoardLaunches.ReplayKindPrefix + MeasurementTable.Load(replayTablePath).Board.Kind,
                    TimingLogPath = r.GetValue(timingLog) is { } log ? Path.GetFullPath(log) : null,
                    MeasurementTimeout = TimeSpan.FromSeconds(r.GetValue(measureTimeout)),
                },
                new DsxWebOptions { Urls = r.GetValue(urls)!, ApiKey = r.GetValue(apiKey) is { Length: > 0 } key ? key : null },
                r.GetValue(verbose),
                ct);
        }));
        return command;
    }

    /// <summary><c>--db</c>: a one-machine silo's SQLite file, by default where <c>dsx silo</c> keeps it.</summary>
    public static Option<string> DatabaseOption(string description) => new("--db")
    {
        Description = description,
        DefaultValueFactory = _ => Path.Combine(".dsx", "dsx.db"),
    };

    /// <summary>The silo's host with its web part (also the embedded silo of <c>dsx demo</c>, which adds its log filters).</summary>
    public static IHost Build(DsxSiloOptions options, DsxWebOptions web, bool verbose, Action<ILoggingBuilder>? logging = null) =>
        new HostBuilder()
            .UseDsxSilo(options, web)
            .ConfigureLogging(l =>
            {
                l.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(verbose ? LogLevel.Information : LogLevel.Warning);
                logging?.Invoke(l);
            })
            .UseConsoleLifetime()
            .Build();

    private static async Task<int> RunAsync(ReplayRequest? replay, DsxSiloOptions options, DsxWebOptions web, bool verbose, CancellationToken cancellationToken)
    {
        if (options.Cluster is { } clustered)
        {
            try
            {
                // Also done by the silo at start; first here, so an unusable server is one line, not Orleans' error logs.
                await PostgresSchema.EnsureAsync(clustered.ConnectionString, cancellationToken);
            }
            catch (PostgresClusterException e)
            {
                throw new IOException(e.Message, e);
            }
        }
        else
        {
            try
            {
                // Also done by the silo at start; first here, so a read-only or full folder is one line naming the file.
                await SqliteGrainStorage.PrepareAsync(StorageNames.Default, options.DatabasePath, cancellationToken);
            }
            catch (SqliteGrainStorageException e)
            {
                throw new IOException(e.Message, e);
            }
        }

        // One process answers for every replay board (a connection each), on the address other silos of a cluster reach.
        await using var replayHost = replay is null
            ? null
            : await ReplayHost.StartAsync(replay.Table, replay.TimeScale, options.Cluster?.Address ?? IPAddress.Loopback, cancellationToken);
        options = options with { ReplayHost = replayHost?.Endpoint };
        using var host = Build(options, web, verbose);
        try
        {
            await host.StartAsync(cancellationToken);
        }
        catch (Exception e) when (ExceptionCauses.Of(e).FirstOrDefault(c => c is PostgresClusterException or SqliteGrainStorageException) is { } cause)
        {
            // Orleans wraps what failed in its start-up lifecycle; the cause alone says what to fix.
            throw new IOException(cause.Message, cause);
        }

        var state = options.Cluster is { } cluster
            ? string.Create(CultureInfo.InvariantCulture,
                $"cluster '{cluster.ClusterId}' on PostgreSQL {PostgresConnectionString.Describe(cluster.ConnectionString)}, silo {cluster.Address}:{options.SiloPort}, gateway {cluster.Address}:{options.GatewayPort}")
            : string.Create(CultureInfo.InvariantCulture, $"gateway 127.0.0.1:{options.GatewayPort}, state in {options.DatabasePath}");
        await Console.Error.WriteLineAsync(
            $"dsx silo: up; {state}, {options.LocalBoards} local board(s){(options.ReplayBoards > 0 ? $", {options.ReplayBoards} replay board(s) of kind {options.ReplayKind}" : "")}. Ctrl-C stops.");
        foreach (var address in DsxWeb.Addresses(host))
        {
            await Console.Error.WriteLineAsync($"dsx silo: dashboard {address.TrimEnd('/')}{DsxWeb.DashboardPath}, API {address.TrimEnd('/')}/api");
        }

        await host.WaitForShutdownAsync(cancellationToken);
        return ExitCodes.Ok;
    }

    /// <exception cref="UsageException">A malformed connection string or address.</exception>
    private static DsxClusterOptions ClusterOptions(string connection, string clusterId, string serviceId, string? address, double? failureDetection)
    {
        string connectionString;
        try
        {
            connectionString = PostgresConnectionString.Parse(connection);
        }
        catch (PostgresClusterException e)
        {
            throw new UsageException(e.Message);
        }

        foreach (var (name, value) in new[] { ("--cluster-id", clusterId), ("--service-id", serviceId) })
        {
            if (string.IsNullOrWhiteSpace(value) || value.Length > 150)
            {
                throw new UsageException($"{name} must be 1 to 150 characters.");
            }
        }

        return new DsxClusterOptions
        {
            ConnectionString = connectionString,
            ClusterId = clusterId,
            ServiceId = serviceId,
            Address = address is null ? DefaultAddress()
                : IPAddress.TryParse(address, out var parsed) ? parsed
                : throw new UsageException($"--address '{address}' is not an IP address (e.g. 192.168.1.20)."),
            FailureDetection = failureDetection is { } seconds ? TimeSpan.FromSeconds(seconds) : null,
        };
    }

    /// <summary>The first IPv4 address of an interface that is up and not loopback: what other hosts on the LAN dial.</summary>
    private static IPAddress DefaultAddress() =>
        NetworkInterface.GetAllNetworkInterfaces()
            .Where(n => n.OperationalStatus == OperationalStatus.Up && n.NetworkInterfaceType != NetworkInterfaceType.Loopback)
            .SelectMany(n => n.GetIPProperties().UnicastAddresses)
            .Select(a => a.Address)
            .FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a))
        ?? throw new UsageException("this host has no non-loopback IPv4 address for the other silos to reach; give --address.");

    /// <summary>What <c>--replay-table</c> and <c>--replay-time-scale</c> ask of the replay boards' host.</summary>
    private sealed record ReplayRequest(string Table, double? TimeScale);
}
