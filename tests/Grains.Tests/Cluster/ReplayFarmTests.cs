using Dsx.BoardHost;
using Dsx.Search;

namespace Dsx.Grains.Tests.Cluster;

/// <summary>Replay boards (<c>dsx replay-executor</c>) in the farm: the whole stack, without compute, under a kind of their own.</summary>
public sealed class ReplayFarmTests
{
    [Fact]
    public async Task An_exploration_completes_on_three_replay_boards_and_its_store_is_the_replay_kinds()
    {
        var table = Path.Combine(ExecutorLocator.FindRepositoryRoot(AppContext.BaseDirectory)!, "bench", "tables", "tiny_cnn.json");
        await using var cluster = await DsxTestCluster.StartAsync(localBoards: 0);
        for (var i = 0; i < 3; i++)
        {
            await cluster.Farm.AddAsync(new BoardRegistration(
                $"replay-{i}", "replay:local", "replay", Path.Combine(AppContext.BaseDirectory, "dsx.dll"), null, null, null, null, null, null, null,
                Table: table, TimeScale: 0.5));
        }

        var hash = await cluster.UploadAsync("tiny_cnn");
        await cluster.Client.GetGrain<IExplorationGrain>("r").StartAsync(DsxTestCluster.Spec("tiny_cnn", hash, episodes: 12, batch: 3, kind: "replay:local"));
        var summary = await cluster.WaitAsync("r", TimeSpan.FromMinutes(3));

        Assert.True(summary.Status == ExplorationStatus.Completed, summary.Error);
        Assert.Equal(12, summary.Episode);
        Assert.True(summary.BoardMeasurements > 0);
        Assert.True(summary.BestLatencyMs > 0 && summary.BaselineLatencyMs > 0);
        var boards = await cluster.Farm.ListAsync();
        Assert.True(boards.Sum(b => b.Measurements) >= summary.BoardMeasurements);
        var stored = MeasurementTable.Parse((await cluster.Client.GetGrain<IMeasurementStoreGrain>($"replay:local/{hash}").GetTableAsync())!);
        Assert.True(stored.Board.Emulated);
        Assert.StartsWith(ReplayExecutor.IsaPrefix, stored.Board.Isa, StringComparison.Ordinal);
        Assert.Null(await cluster.Client.GetGrain<IMeasurementStoreGrain>($"local/{hash}").GetTableAsync());
    }

    [Fact]
    public void A_replay_board_needs_a_replay_kind_and_a_table()
    {
        var board = new BoardRegistration("r", "local", "replay", "/b/dsx.dll", null, null, null, null, null, null, null, Table: "/t/tiny_cnn.json");

        Assert.Contains("must start with 'replay:'", Assert.Throws<ArgumentException>(() => BoardLaunches.For(board)).Message, StringComparison.Ordinal);
        Assert.Contains("needs a table", Assert.Throws<ArgumentException>(() => BoardLaunches.For(board with { Kind = "replay:local", Table = null })).Message, StringComparison.Ordinal);
        Assert.Equal(
            "dotnet /b/dsx.dll replay-executor --table /t/tiny_cnn.json --stdio --time-scale 0.1",
            BoardLaunches.For(board with { Kind = "replay:local", TimeScale = 0.1 }).ToString());
    }
}
