using System.CommandLine;
using System.Net;
using System.Net.Sockets;
using Dsx.BoardHost;
using Dsx.Grains;
using Dsx.Model;
using Dsx.Silo;
using Dsx.Silo.Web;
using Google.Protobuf;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Dsx.Cli;

/// <summary>
/// <c>dsx demo</c>: the whole system on one machine. Starts an embedded silo with one local board per core (state in a
/// fresh SQLite file), explores a zoo model with Q-learning over the farm (the single-library plans measured first),
/// shows its progress, and prints the best plan found against the BLAS baseline.
/// </summary>
internal static class DemoCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model")
        {
            Description = "Model from the built-in zoo (see 'dsx models list').",
            DefaultValueFactory = _ => "mobilenet_v2",
        };
        model.AcceptOnlyFromAmong([.. ModelZoo.Names]);
        var episodes = new Option<int>("--episodes") { Description = "Plans the search measures or answers from its table.", DefaultValueFactory = _ => 60 };
        var boards = new Option<int>("--boards")
        {
            Description = "Local boards, each pinned to its own core; the search measures that many plans at a time.",
            DefaultValueFactory = _ => Environment.ProcessorCount,
        };
        var repeats = new Option<int>("--repeats") { Description = "Timed runs per measurement (after one warm-up run).", DefaultValueFactory = _ => 5 };
        var strategy = new Option<string>("--strategy") { Description = "random, greedy, qlearning or dqn.", DefaultValueFactory = _ => "qlearning" };
        var int8 = new Option<bool>("--int8") { Description = "Allow INT8 layers (checked by the accuracy guard); by default the demo searches FP32." };
        var exit = new Option<bool>("--exit") { Description = "Stop when the exploration ends, instead of serving its pages and the dashboard until Ctrl-C." };
        foreach (var option in new[] { episodes, boards, repeats })
        {
            option.AtLeast(1);
        }

        var command = new Command(
            "demo",
            "Start an embedded silo with local boards, explore a zoo model with Q-learning on them, print the best plan against the BLAS baseline, "
            + "then serve the exploration page and the dashboard until Ctrl-C (--exit: stop when done).")
        {
            model, episodes, boards, repeats, strategy, int8, exit,
        };
        command.SetAction((r, ct) => CliErrors.Guard(() => RunAsync(
            r.GetValue(model)!, r.GetValue(episodes), r.GetValue(boards), r.GetValue(repeats), r.GetValue(strategy)!, r.GetValue(int8), r.GetValue(exit), ct)));
        return command;
    }

    private static async Task<int> RunAsync(
        string modelName, int episodes, int boards, int repeats, string strategy, bool int8, bool exit, CancellationToken cancellationToken)
    {
        var folder = Path.Combine(Path.GetTempPath(), $"dsx-demo-{Environment.ProcessId}");
        var options = new DsxSiloOptions
        {
            DatabasePath = Path.Combine(folder, "dsx.db"),
            SiloPort = FreePort(),
            GatewayPort = FreePort(),
            LocalBoards = boards,
            ExecutorPath = ExecutorLocator.Locate(),
        };
        try
        {
            await Console.Error.WriteLineAsync($"starting an embedded silo with {boards} local board(s) on {options.ExecutorPath} ...");
            // Port 0: a free loopback port, so the demo never collides with a running 'dsx silo' (8080).
            // Orleans warns that the silo runs without server GC; right for a silo host, noise for a demo on a laptop.
            using var silo = SiloCommand.Build(
                options, new DsxWebOptions { Urls = "http://127.0.0.1:0" }, verbose: false, logging => logging.AddFilter(ServerGcWarningCategory, LogLevel.Error));
            await silo.StartAsync(cancellationToken);
            var web = DsxWeb.Addresses(silo)[0].TrimEnd('/');
            try
            {
                var client = silo.Services.GetRequiredService<IClusterClient>();
                var graph = ModelZoo.Build(modelName);
                var id = $"demo-{graph.Name}";
                await Console.Error.WriteLineAsync(Where(web, id));
                var hash = ModelHash.Of(graph);
                await client.GetGrain<IModelGrain>(hash).PutAsync(graph.Name, graph.ToByteArray());
                var spec = new ExplorationSpec(
                    graph.Name, hash, options.LocalBoardKind, strategy, episodes, boards, "latency", int8, SeedPlans: true, Seed: 1, repeats, Warmup: 1,
                    ConfirmTopK: 3, FinalRounds: 2, CalibrationSize: 8);
                await client.GetGrain<IExplorationGrain>(id).StartAsync(spec);
                await Console.Error.WriteLineAsync(
                    $"exploring {graph.Name} ({graph.Nodes.Count} nodes) with {strategy} for {episodes} episodes, {boards} plan(s) at a time ...");
                var code = await ExplorationFollower.FollowAsync(client, id, cancellationToken);
                if (!exit && !cancellationToken.IsCancellationRequested)
                {
                    await Console.Error.WriteLineAsync($"\n{Where(web, id)}\nserving them until Ctrl-C (dsx demo --exit stops when the exploration ends)");
                    await WaitForCtrlCAsync(silo, cancellationToken);
                }

                return code;
            }
            finally
            {
                await silo.StopAsync(CancellationToken.None);
            }
        }
        finally
        {
            try
            {
                Directory.Delete(folder, recursive: true);
            }
            catch (IOException)
            {
                // A demo's state is throw-away; a folder the OS cleans later is no failure.
            }
        }
    }

    /// <summary>Where the demo's silo logs its GC warning (Orleans' <c>Silo</c> class).</summary>
    private const string ServerGcWarningCategory = "Orleans.Runtime.Silo";

    private static string Where(string web, string id) =>
        $"exploration page: {web}/explorations/{Uri.EscapeDataString(id)}\ndashboard:        {web}{DsxWeb.DashboardPath}/\nAPI:              {web}/api/explorations";

    /// <summary>Until Ctrl-C or SIGTERM, whichever of the command line and the host's console lifetime sees it first.</summary>
    private static async Task WaitForCtrlCAsync(IHost silo, CancellationToken cancellationToken)
    {
        var stopping = silo.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
        using var either = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, stopping);
        try
        {
            await Task.Delay(Timeout.Infinite, either.Token);
        }
        catch (OperationCanceledException)
        {
            // Ctrl-C: the silo stops below.
        }
    }

    /// <summary>A port nothing listens on now, so the demo never collides with a running 'dsx silo'.</summary>
    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
