using System.CommandLine;
using Dsx.BoardHost;
using Dsx.Silo;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Dsx.Cli;

/// <summary>
/// <c>dsx silo</c>: hosts a Dsx silo on this machine until Ctrl-C or SIGTERM: grain state and the measurement store in
/// one SQLite file, the gateway on loopback, and optionally local boards on this machine's executor. Explorations
/// that were running when the silo stopped resume.
/// </summary>
internal static class SiloCommand
{
    public static Command Create()
    {
        var database = new Option<string>("--db")
        {
            Description = "The SQLite file for grain state and measurements (created if missing).",
            DefaultValueFactory = _ => Path.Combine(".dsx", "dsx.db"),
        };
        var siloPort = new Option<int>("--silo-port") { Description = "Silo-to-silo port (loopback).", DefaultValueFactory = _ => DsxSiloOptions.DefaultSiloPort };
        var gatewayPort = new Option<int>("--gateway-port") { Description = "Port the dsx client verbs connect to (loopback).", DefaultValueFactory = _ => DsxSiloOptions.DefaultGatewayPort };
        var localBoards = new Option<int>("--local-boards")
        {
            Description = "Register this many boards of kind 'local' on this machine's executor, each pinned to its own core (0: none; "
                + "boards added with 'dsx boards add' persist either way).",
            DefaultValueFactory = _ => 0,
        };
        var verbose = new Option<bool>("--verbose") { Description = "Log Orleans' and Dsx's information messages, not only warnings." };
        foreach (var option in new[] { siloPort, gatewayPort })
        {
            option.Validators.Add(r =>
            {
                if (r.GetValueOrDefault<int>() is < 1 or > 65535)
                {
                    r.AddError($"{option.Name} must be a port number (1-65535).");
                }
            });
        }

        localBoards.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() < 0)
            {
                r.AddError("--local-boards must not be negative.");
            }
        });

        var command = new Command("silo", "Host a Dsx silo (Orleans) on this machine until Ctrl-C: explorations, the board farm, the measurement store.")
        {
            database, siloPort, gatewayPort, localBoards, verbose,
        };
        command.SetAction((r, ct) => CliErrors.Guard(() => RunAsync(
            new DsxSiloOptions
            {
                DatabasePath = Path.GetFullPath(r.GetValue(database)!),
                SiloPort = r.GetValue(siloPort),
                GatewayPort = r.GetValue(gatewayPort),
                LocalBoards = r.GetValue(localBoards),
                ExecutorPath = r.GetValue(localBoards) > 0 ? ExecutorLocator.Locate() : null,
            },
            r.GetValue(verbose),
            ct)));
        return command;
    }

    private static async Task<int> RunAsync(DsxSiloOptions options, bool verbose, CancellationToken cancellationToken)
    {
        using var host = Build(options, verbose);
        await host.StartAsync(cancellationToken);
        await Console.Error.WriteLineAsync(
            $"dsx silo: up; gateway 127.0.0.1:{options.GatewayPort}, state in {options.DatabasePath}, {options.LocalBoards} local board(s). Ctrl-C stops.");
        await host.WaitForShutdownAsync(cancellationToken);
        return ExitCodes.Ok;
    }

    /// <summary>The silo's host (also the embedded silo of <c>dsx demo</c>).</summary>
    public static IHost Build(DsxSiloOptions options, bool verbose) =>
        new HostBuilder()
            .UseOrleans(silo => silo.UseDsx(options))
            .ConfigureLogging(logging => logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(verbose ? LogLevel.Information : LogLevel.Warning))
            .UseConsoleLifetime()
            .Build();
}
