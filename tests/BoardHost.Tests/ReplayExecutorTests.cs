using System.Diagnostics;
using System.Globalization;
using Dsx.Model;
using Dsx.Search;
using Dsx.Wire;

namespace Dsx.BoardHost.Tests;

/// <summary>A replay board (<c>dsx replay-executor</c>) over the real protocol and board session: it answers from its table.</summary>
public sealed class ReplayExecutorTests
{
    private static readonly ExecutorOptions Options = ExecutorOptions.Default with { RequestTimeout = TimeSpan.FromMinutes(2) };

    private static string TablePath => Path.Combine(ExecutorLocator.FindRepositoryRoot(AppContext.BaseDirectory)!, "bench", "tables", "tiny_cnn.json");

    [Fact]
    public async Task A_replay_board_greets_describes_and_measures_with_its_tables_numbers()
    {
        var table = MeasurementTable.Load(TablePath);
        await using var session = await BoardSession.StartAsync(Launch(TablePath), Options);

        var hello = session.Capabilities;
        Assert.True(hello.Emulated);
        Assert.StartsWith(ReplayExecutor.IsaPrefix, hello.Isa, StringComparison.Ordinal);
        Assert.Equal(table.Board.Cores, hello.Cores);

        var graph = ModelZoo.Build("tiny_cnn");
        var loaded = await session.LoadModelAsync(graph);
        var space = SearchSpace.From("tiny_cnn", graph, DesignSpace.From(await session.DescribeSpaceAsync(loaded.Hash), hello));
        Assert.Equal(table.Space.Layers.Select(l => l.Name), space.Layers.Select(l => l.Name));
        for (var i = 0; i < space.Layers.Count; i++)
        {
            Assert.Equal(table.Space.Layers[i].Choices.Select(c => c.Key).Order(), space.Layers[i].Choices.Select(c => c.Key).Order());
        }

        foreach (var plan in new[] { new CandidatePlan(new int[space.Layers.Count]), new CandidatePlan([.. space.Layers.Select(l => l.Choices.Count - 1)]) })
        {
            var outcome = await session.MeasureAsync(loaded.Hash, space.ToWirePlan(plan), new MeasureOptions(Warmup: 1, Repeats: 5));

            Assert.True(outcome.Succeeded, outcome.Failure?.ToString());
            var reply = outcome.Reply;
            Assert.True(reply.EndUnixNs >= reply.StartUnixNs);
            Assert.Equal(space.Layers.Count, reply.Layers.Count);
            for (var i = 0; i < space.Layers.Count; i++)
            {
                // Each run is a recorded median times lognormal noise of sigma at most 0.3: five sigmas either side bound it.
                var recorded = table.Compute(i, table.Space.IndexOf(i, space.Choice(plan, i)))!;
                var compute = reply.Layers[i].Compute;
                Assert.Equal(space.Choice(plan, i).Key, LayerChoice.FromWire(reply.Layers[i].Choice).Key);
                Assert.InRange(compute.MedianMs, recorded.Medians.Min() * Math.Exp(-1.5), recorded.Medians.Max() * Math.Exp(1.5));
                Assert.True(compute.MinMs <= compute.MedianMs && compute.MedianMs <= compute.MaxMs);
            }

            // End to end, each run is the sum of its layers: bounded by the layers' fastest and slowest runs.
            Assert.InRange(reply.EndToEnd.MinMs, reply.Layers.Sum(l => l.Total.MinMs) - 1e-9, reply.Layers.Sum(l => l.Total.MaxMs) + 1e-9);
            Assert.InRange(reply.EndToEnd.MaxMs, reply.Layers.Sum(l => l.Total.MinMs) - 1e-9, reply.Layers.Sum(l => l.Total.MaxMs) + 1e-9);
        }
    }

    [Fact]
    public async Task A_replay_board_refuses_a_model_its_table_is_not_of()
    {
        await using var session = await BoardSession.StartAsync(Launch(TablePath), Options);

        var e = await Assert.ThrowsAsync<ExecutorErrorException>(() => session.LoadModelAsync(ModelZoo.Build("squeezenet1_1")));

        Assert.Equal(ErrorCode.BadModel, e.Code);
        Assert.Contains("replays a table of 'tiny_cnn'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_replay_board_cannot_return_outputs_and_says_so()
    {
        await using var session = await BoardSession.StartAsync(Launch(TablePath), Options);
        var graph = ModelZoo.Build("tiny_cnn");
        var loaded = await session.LoadModelAsync(graph);

        var outcome = await session.MeasureAsync(loaded.Hash, PlanFactory.Baseline(graph), new MeasureOptions(Warmup: 0, Repeats: 1, ReturnOutputs: true));

        Assert.False(outcome.Succeeded);
        Assert.Contains("computes nothing", outcome.Failure.Detail, StringComparison.Ordinal);
        var baseline = await session.MeasureAsync(loaded.Hash, PlanFactory.Baseline(graph), new MeasureOptions(Warmup: 0, Repeats: 1));
        Assert.True(baseline.Succeeded, baseline.Failure?.ToString());
    }

    [Fact]
    public async Task One_listening_replay_host_serves_several_boards_at_once_and_refuses_a_wrong_token()
    {
        var (host, port) = await StartListeningHostAsync("right");
        try
        {
            await Assert.ThrowsAsync<ExecutorUnauthorizedException>(() => BoardSession.StartAsync(ExecutorLaunch.Tcp("127.0.0.1", port, "wrong"), Options));

            var graph = ModelZoo.Build("tiny_cnn");
            var boards = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => BoardSession.StartAsync(ExecutorLaunch.Tcp("127.0.0.1", port, "right"), Options)));
            try
            {
                // Each connection is a board of its own: it must load the model itself, and then measures beside the others.
                var outcomes = await Task.WhenAll(boards.Select(async board =>
                {
                    var loaded = await board.LoadModelAsync(graph);
                    return await board.MeasureAsync(loaded.Hash, PlanFactory.Baseline(graph), new MeasureOptions(Warmup: 1, Repeats: 3));
                }));

                Assert.All(outcomes, o => Assert.True(o.Succeeded, o.Failure?.ToString()));
                Assert.All(outcomes, o => Assert.Equal(graph.Nodes.Count, o.Reply?.Layers.Count));
                Assert.False(host.HasExited);
            }
            finally
            {
                foreach (var board in boards)
                {
                    await board.DisposeAsync();
                }
            }
        }
        finally
        {
            await StopAsync(host);
        }
    }

    [Fact]
    public async Task Boards_of_one_listening_replay_host_that_share_model_loads_send_a_models_graph_once()
    {
        var (host, port) = await StartListeningHostAsync("t");
        var shared = new SharedModelLoads();
        var options = Options with { SharedModels = shared };
        var boards = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => BoardSession.StartAsync(ExecutorLaunch.Tcp("127.0.0.1", port, "t"), options)));
        try
        {
            var graph = ModelZoo.Build("tiny_cnn");
            // All at once, as a farm's boards take their first episodes: the first sends the graph, the others ask by hash.
            var outcomes = await Task.WhenAll(boards.Select(async board =>
            {
                var loaded = await board.LoadModelAsync(graph);
                return await board.MeasureAsync(loaded.Hash, PlanFactory.Baseline(graph), new MeasureOptions(Warmup: 0, Repeats: 1));
            }));

            Assert.All(outcomes, o => Assert.True(o.Succeeded, o.Failure?.ToString()));
            Assert.Equal(1, shared.GraphsSent);
            Assert.All(boards, b => Assert.Equal([ModelHash.Of(graph)], b.ModelHashes));

            // A model the host does not hold still goes whole, and is still checked against the table.
            var e = await Assert.ThrowsAsync<ExecutorErrorException>(() => boards[0].LoadModelAsync(ModelZoo.Build("squeezenet1_1")));
            Assert.Equal(ErrorCode.BadModel, e.Code);
            Assert.Equal(2, shared.GraphsSent);
        }
        finally
        {
            foreach (var board in boards)
            {
                await board.DisposeAsync();
            }

            await StopAsync(host);
        }
    }

    [Fact]
    public async Task A_listening_replay_host_stops_when_its_stdin_closes_if_told_to()
    {
        using var host = Process.Start(new ProcessStartInfo("dotnet")
        {
            ArgumentList = { Path.Combine(AppContext.BaseDirectory, "dsx.dll"), "replay-executor", "--table", TablePath, "--listen", "127.0.0.1:0", "--token", "t", "--until-stdin-closes" },
            RedirectStandardOutput = true,
            RedirectStandardInput = true,
        })!;
        try
        {
            using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(1));
            Assert.StartsWith("dsx replay-executor: listening on ", await host.StandardOutput.ReadLineAsync(limit.Token) ?? "", StringComparison.Ordinal);
            Assert.False(host.HasExited);

            host.StandardInput.Close();

            await host.WaitForExitAsync(limit.Token);
            Assert.Equal(0, host.ExitCode);
        }
        finally
        {
            if (!host.HasExited)
            {
                host.Kill();
            }
        }
    }

    /// <summary><c>dsx replay-executor --listen</c> on a free loopback port, and that port.</summary>
    private static async Task<(Process Host, int Port)> StartListeningHostAsync(string token)
    {
        var host = Process.Start(new ProcessStartInfo("dotnet")
        {
            ArgumentList = { Path.Combine(AppContext.BaseDirectory, "dsx.dll"), "replay-executor", "--table", TablePath, "--listen", "127.0.0.1:0", "--token", token, "--time-scale", "0.5" },
            RedirectStandardOutput = true,
        })!;
        try
        {
            using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(1));
            var line = await host.StandardOutput.ReadLineAsync(limit.Token) ?? "";
            Assert.StartsWith("dsx replay-executor: listening on 127.0.0.1:", line, StringComparison.Ordinal);
            return (host, int.Parse(line[(line.LastIndexOf(':') + 1)..], CultureInfo.InvariantCulture));
        }
        catch
        {
            await StopAsync(host);
            throw;
        }
    }

    private static async Task StopAsync(Process host)
    {
        using (host)
        {
            host.Kill();
            await host.WaitForExitAsync();
        }
    }

    private static ExecutorLaunch Launch(string table) =>
        new("dotnet", [Path.Combine(AppContext.BaseDirectory, "dsx.dll"), "replay-executor", "--table", table, "--stdio", "--time-scale", "0.5", "--seed", "1"]);
}
