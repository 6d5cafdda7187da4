using Dsx.Search;

namespace Dsx.Grains.Tests.Cluster;

/// <summary>A farm of local x86 boards and emulated Cortex-A72 boards (the aarch64 executor under qemu-aarch64).</summary>
public sealed class HeterogeneousFarmTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(5);

    [EmulatedBoardFact]
    public async Task Two_explorations_of_different_kinds_run_at_once_each_on_boards_of_its_kind_and_emulated_timings_are_marked()
    {
        await using var cluster = await DsxTestCluster.StartAsync(localBoards: 2);
        foreach (var id in new[] { "a72-0", "a72-1" })
        {
            await cluster.Farm.AddAsync(new BoardRegistration(id, "cortex-a72", "qemu", Aarch64Executor.Path, null, null, null, null, "cortex-a72", null, null));
        }

        var hash = await cluster.UploadAsync("tiny_cnn");
        // qemu is slow: few episodes, one repeat, no warm-up, and the least confirmation the spec allows.
        var spec = DsxTestCluster.Spec("tiny_cnn", hash, episodes: 6, batch: 2) with { Repeats = 1, Warmup = 0, ConfirmTopK = 1, CalibrationSize = 1 };
        var armGrain = cluster.Client.GetGrain<IExplorationGrain>("arm");
        await armGrain.StartAsync(spec with { BoardKind = "cortex-a72", Episodes = 10 });
        // The x86 exploration starts once the emulated one is measuring, so the two run at once rather than one after the
        // other (the emulated one, with more episodes on slower boards, is still running when the x86 one measures).
        var until = DateTime.UtcNow + Limit;
        while ((await armGrain.GetSummaryAsync()) is { BoardMeasurements: 0, Status: ExplorationStatus.Running or ExplorationStatus.Created })
        {
            Assert.True(DateTime.UtcNow < until, "the emulated exploration measured nothing");
            await Task.Delay(50);
        }

        await cluster.Client.GetGrain<IExplorationGrain>("x86").StartAsync(spec);
        var summaries = await Task.WhenAll(cluster.WaitAsync("x86", Limit), cluster.WaitAsync("arm", Limit));

        Assert.All(summaries, s => Assert.True(s.Status == ExplorationStatus.Completed, $"{s.Id} {s.Status}: {s.Error}"));
        Assert.Equal(6, summaries[0].Episode);
        Assert.Equal(10, summaries[1].Episode);
        var local = await cluster.MeasurementsAsync(hash, "local");
        var arm = await cluster.MeasurementsAsync(hash, "cortex-a72");
        Assert.NotEmpty(local);
        Assert.NotEmpty(arm);
        // Each store holds only its exploration's measurements, each taken on a board of its kind.
        Assert.All(local, m => Assert.StartsWith("local-", m.Board, StringComparison.Ordinal));
        Assert.All(arm, m => Assert.StartsWith("a72-", m.Board, StringComparison.Ordinal));
        Assert.All(local, m => Assert.StartsWith("x86/", m.Key, StringComparison.Ordinal));
        Assert.All(arm, m => Assert.StartsWith("arm/", m.Key, StringComparison.Ordinal));
        var boards = await cluster.Farm.ListAsync();
        Assert.All(boards, b => Assert.True(b.Measurements > 0, $"{b.Registration.Id} measured nothing"));
        Assert.All(boards, b => Assert.Equal(0, b.Failures));
        Assert.True(local.Min(m => m.StartNs) < arm.Max(m => m.EndNs), "the emulated exploration had finished before the x86 one measured");

        var armTable = MeasurementTable.Parse((await cluster.Client.GetGrain<IMeasurementStoreGrain>($"cortex-a72/{hash}").GetTableAsync())!);
        var localTable = MeasurementTable.Parse((await cluster.Client.GetGrain<IMeasurementStoreGrain>($"local/{hash}").GetTableAsync())!);
        // Timings under qemu are the host's, not a Cortex-A72's: the table must say so.
        Assert.True(armTable.Board.Emulated, $"the cortex-a72 table is not marked emulated (isa {armTable.Board.Isa})");
        Assert.Equal("cortex-a72", armTable.Board.Kind);
        Assert.False(localTable.Board.Emulated);
        Assert.NotEqual(localTable.Board.Isa, armTable.Board.Isa);
    }
}
