using System.Diagnostics;
using System.Globalization;
using Dsx.BoardHost;
using Dsx.Grains.Tests.SiloProcesses;
using Dsx.Model;
using Dsx.Search;
using Google.Protobuf;
using Xunit.Abstractions;

namespace Dsx.Grains.Tests.Postgres;

/// <summary>
/// The database restarted under a running two-silo cluster (pg_ctl stop, a wait, pg_ctl start): the exploration must
/// not fail while PostgreSQL is down, its status must say it waits for storage, and once the server is back it must
/// continue and complete with exactly its budget and each measurement recorded once.
/// </summary>
public sealed class PostgresRestartTests(ITestOutputHelper output)
{
    private const string ClusterId = "dsx-restart-test";
    private const string ExplorationId = "db-restart";

    [PostgresFact]
    public async Task An_exploration_waits_while_PostgreSQL_restarts_and_completes_with_its_budget()
    {
        var clock = Stopwatch.StartNew();
        Assert.True(ExecutorLocator.TryLocate(out var executor, out var reason), reason);
        await using var server = await PostgresServer.StartAsync();
        await server.CreateDatabaseAsync("dsx");
        var ports = FreePorts.Pick(4);
        // Failure detection at Orleans' pace (tens of seconds), as deployed: an outage of the database is not a dead silo.
        await using var a = PostgresSilos.Start("a", server, ClusterId, ports[0], ports[1], executor, failureDetection: null);
        await using var b = PostgresSilos.Start("b", server, ClusterId, ports[2], ports[3], executor, failureDetection: null);
        try
        {
            await Task.WhenAll(a.WaitUntilUpAsync(TimeSpan.FromSeconds(90)), b.WaitUntilUpAsync(TimeSpan.FromSeconds(90)));
            Log(clock, "both silos up");
            await RunAsync(server, clock);
        }
        catch
        {
            output.WriteLine($"--- silo a ---\n{a.Tail()}\n--- silo b ---\n{b.Tail()}");
            throw;
        }
    }

    private async Task RunAsync(PostgresServer server, Stopwatch clock)
    {
        await using var client = await PostgresSilos.ConnectAsync(server.ConnectionString("dsx"), ClusterId);
        var grains = client.Grains;
        var graph = ModelZoo.Build("tiny_cnn");
        var hash = ModelHash.Of(graph);
        await grains.GetGrain<IModelGrain>(hash).PutAsync(graph.Name, graph.ToByteArray());
        // Batches of two, so both silos' boards (and episode grains on both silos) write while the database goes away.
        var spec = new ExplorationSpec(
            graph.Name, hash, "local", "qlearning", Episodes: 30, Batch: 2, "latency", AllowInt8: false, SeedPlans: false, Seed: 11,
            Repeats: 20, Warmup: 1, ConfirmTopK: 1, FinalRounds: 0, CalibrationSize: 1);
        var exploration = grains.GetGrain<IExplorationGrain>(ExplorationId);
        await exploration.StartAsync(spec);

        var before = await PostgresSilos.PollAsync(exploration, s => s.Status != ExplorationStatus.Running || s.Episode >= 4, TimeSpan.FromSeconds(90));
        Assert.True(before.Status == ExplorationStatus.Running, $"before the restart: {before.Status} {before.Error}");
        await server.StopAsync();
        Log(clock, $"PostgreSQL stopped at episode {before.Episode}/{spec.Episodes}");

        // The loop meets the outage at its next write: it waits, running, and says why.
        var waiting = await PostgresSilos.PollAsync(
            exploration, s => s.Status != ExplorationStatus.Running || s.Error?.Contains("waiting for storage", StringComparison.Ordinal) == true, TimeSpan.FromSeconds(60));
        Log(clock, $"status while down: {waiting.Status}, episode {waiting.Episode}: {waiting.Error}");
        Assert.True(waiting.Status == ExplorationStatus.Running, $"the exploration did not wait out the outage: {waiting.Status}: {waiting.Error}");
        Assert.Contains("waiting for storage", waiting.Error, StringComparison.Ordinal);

        // Down a while longer, so the loop backs off more than once and nothing times out in the meantime.
        await Task.Delay(TimeSpan.FromSeconds(8));
        var stillDown = await exploration.GetSummaryAsync();
        Assert.True(stillDown.Status == ExplorationStatus.Running, $"{stillDown.Status}: {stillDown.Error}");
        await server.StartAgainAsync();
        Log(clock, "PostgreSQL started again");

        var after = await PostgresSilos.PollAsync(exploration, s => s.Status != ExplorationStatus.Running, TimeSpan.FromSeconds(240));
        Log(clock, $"exploration {after.Status} at episode {after.Episode}: {after.Error}");
        Assert.True(after.Status == ExplorationStatus.Completed, $"{after.Status}: {after.Error}");
        Assert.Null(after.Error);
        Assert.Equal(spec.Episodes, after.Episode);
        Assert.Equal(spec.Episodes, after.BestCostByEpisode.Count);

        // Each measurement once: unique request keys, within the budget, one table entry per key.
        var store = grains.GetGrain<IMeasurementStoreGrain>($"local/{hash}");
        var keys = await store.GetRecordedKeysAsync();
        Assert.Equal(keys.Count, keys.Distinct(StringComparer.Ordinal).Count());
        Assert.All(keys.Where(k => k.StartsWith($"{ExplorationId}/e", StringComparison.Ordinal)),
            k => Assert.InRange(int.Parse(k[$"{ExplorationId}/e".Length..], CultureInfo.InvariantCulture), 1, spec.Episodes));
        var table = MeasurementTable.Parse(await store.GetTableAsync() ?? throw new InvalidOperationException("the store has no table"));
        Assert.Equal(keys.Count, table.Measurements);
        Log(clock, $"{keys.Count} measurements recorded, each once");
    }

    private void Log(Stopwatch clock, string message) => output.WriteLine($"[{clock.Elapsed.TotalSeconds,6:F1} s] {message}");
}
