using Dsx.BoardHost;
using Dsx.Search;
using Dsx.Silo.Storage;
using Dsx.Wire;
using Google.Protobuf;

namespace Dsx.Grains.Tests.Cluster;

/// <summary>
/// The measurement store journals each measurement and writes the whole table only every
/// <see cref="MeasurementStoreContents.SnapshotEvery"/>: what a new activation reads back (snapshot and journal folded)
/// must be what was recorded, and <c>dsx store check</c> must count the journal's keys with the snapshot's.
/// </summary>
public sealed class MeasurementStoreJournalTests
{
    [Fact]
    public async Task A_store_past_its_snapshot_reads_back_every_measurement_and_failure_and_the_check_counts_them()
    {
        var recorded = MeasurementTable.Load(Path.Combine(ExecutorLocator.FindRepositoryRoot(AppContext.BaseDirectory)!, "bench", "tables", "tiny_cnn.json"));
        var layers = recorded.Space.Layers;
        await using var cluster = await DsxTestCluster.StartAsync(localBoards: 0);
        var store = cluster.Client.GetGrain<IMeasurementStoreGrain>("replay:test/journal");
        await store.CreateAsync(new MeasurementTable(recorded.Space, recorded.Board).ToJson());
        var count = MeasurementStoreContents.SnapshotEvery + 5;
        var keys = Enumerable.Range(1, count).Select(i => $"j/e{i}").ToList();
        var plan = new int[layers.Count];

        foreach (var (key, i) in keys.Select((k, i) => (k, i)))
        {
            Assert.True(await store.RecordAsync(key, plan, Reply(layers, 1 + i).ToByteArray(), null));
        }

        Assert.False(await store.RecordAsync(keys[3], plan, Reply(layers, 99).ToByteArray(), null));
        Assert.True(await store.RecordFailureAsync(plan, layers[1].Name, "crashed in it"));
        Assert.False(await store.RecordFailureAsync(plan, layers[1].Name, "crashed in it"));

        // A new activation has only what storage holds: the snapshot, and the journal since.
        await cluster.Client.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);
        var table = MeasurementTable.Parse((await store.GetTableAsync())!);
        Assert.Equal(count, table.Measurements);
        Assert.Equal(count, table.EndToEnd.Count);
        Assert.Equal(Enumerable.Range(1, count).Select(i => (double)i), table.EndToEnd.Select(e => e.MedianMs));
        Assert.NotNull(table.Failure(1, 0));
        Assert.Equal(keys, await store.GetRecordedKeysAsync());
        Assert.False(await store.RecordAsync(keys[^1], plan, Reply(layers, 99).ToByteArray(), null));

        var report = SqliteStoreCheck.RunWithSiloSerializer(cluster.DatabasePath);
        Assert.Equal(count, report.Measurements);
        // No exploration ran: every key lacks its episode, and nothing else is wrong (no count mismatch, no doubled key).
        Assert.Equal(keys.Select(k => $"store replay:test/journal: {k} is recorded but its episode keeps no measurement"), report.Problems);
    }

    private static MeasureReply Reply(IReadOnlyList<SearchLayer> layers, double ms)
    {
        var timing = new Timing { MinMs = ms, MedianMs = ms, MaxMs = ms };
        var reply = new MeasureReply { EndToEnd = timing, Memory = new MemoryReport() };
        reply.Layers.AddRange(layers.Select(l => new LayerTiming { Name = l.Name, Compute = timing, Conversion = new Timing(), Total = timing }));
        return reply;
    }
}
