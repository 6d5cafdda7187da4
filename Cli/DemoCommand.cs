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
        foreach (var option in new[] { episodes, boards, repeats })
        {
            option.AtLeast(1);
        }

        var command = new Command(
            "demo",
            "Start an embedded silo with local boards, explore a zoo model with Q-learning on them, and print the best plan against the BLAS baseline.")
        {
            model, episodes, boards, repeats, strategy, int8,
        };
        command.SetAction((r, ct) => CliErrors.Guard(() => RunAsync(
            r.GetValue(model)!, r.GetValue(episodes), r.GetValue(boards), r.GetValue(repeats), r.GetValue(strategy)!, r.GetValue(int8), ct)));
        return command;
    }

    private static async Task<int> RunAsync(string modelName, int episodes, int boards, int repeats, string strategy, bool int8, CancellationToken cancellationToken)
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
            using var silo = SiloCommand.Build(options, new DsxWebOptions { Urls = "http://127.0.0.1:0" }, verbose: false);
            await silo.StartAsync(cancellationToken);
            foreach (var address in DsxWeb.Addresses(silo))
            {
                await Console.Error.WriteLineAsync($"dashboard: {address.TrimEnd('/')}{DsxWeb.DashboardPath}   API: {address.TrimEnd('/')}/api/explorations");
            }

            try
            {
                var client = silo.Services.GetRequiredService<IClusterClient>();
                var graph = ModelZoo.Build(modelName);
                var hash = ModelHash.Of(graph);
                await client.GetGrain<IModelGrain>(hash).PutAsync(graph.Name, graph.ToByteArray());
                var spec = new ExplorationSpec(
                    graph.Name, hash, options.LocalBoardKind, strategy, episodes, boards, "latency", int8, SeedPlans: true, Seed: 1, repeats, Warmup: 1,
                    ConfirmTopK: 3, FinalRounds: 2, CalibrationSize: 8);
                var id = $"demo-{graph.Name}";
                await client.GetGrain<IExplorationGrain>(id).StartAsync(spec);
                await Console.Error.WriteLineAsync(
                    $"exploring {graph.Name} ({graph.Nodes.Count} nodes) with {strategy} for {episodes} episodes, {boards} plan(s) at a time ...");
                return await ExplorationFollower.FollowAsync(client, id, cancellationToken);
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

    /// <summary>A port nothing listens on now, so the demo never collides with a running 'dsx silo'.</summary>
    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
