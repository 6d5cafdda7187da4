using System.Diagnostics;
using System.Globalization;
using Dsx.BoardHost;
using Dsx.BoardHost.Tests;
using Dsx.Grains.Tests.Storage;
using Dsx.Model;
using Dsx.Search;
using Dsx.Wire;
using Google.Protobuf;
using Xunit.Abstractions;

namespace Dsx.Grains.Tests.SiloProcesses;

/// <summary>
/// Crash and resume (DESIGN.md, "Storage and cluster"): a silo process running an exploration on the real executor is
/// killed with SIGKILL mid-way and started again on the same SQLite file. The exploration must finish with exactly its
/// budget, and every measurement that completed before the kill must still be in the store, kept, and not taken again.
/// </summary>
public sealed class CrashResumeTests(ITestOutputHelper output)
{
    private const string ExplorationId = "crash-resume";
    private const int Episodes = 40;
    private const int EpisodesBeforeKill = 8;
    private static readonly TimeSpan UpTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan CompletionTimeout = TimeSpan.FromMinutes(3);

    [ExecutorFact]
    public async Task An_exploration_whose_silo_is_killed_mid_way_resumes_after_a_restart_and_measures_nothing_twice()
    {
        using var folder = new TempFolder();
        var database = folder.FilePath("dsx.db");
        var executor = ExecutorLocator.Locate();
        var ports = FreePorts.Pick(2);
        var (siloPort, gatewayPort) = (ports[0], ports[1]);
        // Two local boards on the real executor; information logs name what the silo did ("exploration X: resuming"),
        // and the test reads them.
        string[] arguments = ["--db", database, "--local-boards", "2", "--verbose"];
        var environment = new Dictionary<string, string> { [ExecutorLocator.EnvironmentVariable] = executor };
        var graph = ModelZoo.Build("tiny_cnn");
        var hash = ModelHash.Of(graph);
        // FP32 only (no accuracy guard, no calibration runs) and no seed plans keep it quick; 200 repeats make each
        // measurement long enough (a fraction of a second) that the kill lands with measurements in flight.
        var spec = new ExplorationSpec(
            graph.Name, hash, "local", "qlearning", Episodes, Batch: 2, "latency", AllowInt8: false, SeedPlans: false, Seed: 7,
            Repeats: 200, Warmup: 1, ConfirmTopK: 3, FinalRounds: 2, CalibrationSize: 8);
        var storeKey = $"local/{hash}";
        var executors = new List<int>();
        var clock = Stopwatch.StartNew();

        IReadOnlyList<string> keysBeforeKill;
        ExplorationSummary atKill;
        long killUnixNs;
        List<int> outlived;
        var first = await SiloProcess.StartAsync("first", siloPort, gatewayPort, arguments, environment, UpTimeout);
        try
        {
            output.WriteLine($"silo up after {clock.Elapsed.TotalSeconds:0.0} s");
            await using (var client = await GatewayClient.ConnectAsync(gatewayPort))
            {
                output.WriteLine($"client connected after {clock.Elapsed.TotalSeconds:0.0} s");
                await client.Grains.GetGrain<IModelGrain>(hash).PutAsync(graph.Name, graph.ToByteArray());
                var exploration = client.Grains.GetGrain<IExplorationGrain>(ExplorationId);
                await exploration.StartAsync(spec);
                output.WriteLine($"exploration started after {clock.Elapsed.TotalSeconds:0.0} s");
                var midWay = await ExplorationWait.UntilAsync(exploration, s => s.Episode >= EpisodesBeforeKill, TimeSpan.FromSeconds(90), first.Tail);
                Assert.True(midWay.Status == ExplorationStatus.Running, $"before the kill: {midWay.Status} {midWay.Error}\n{first.Tail()}");

                keysBeforeKill = await client.Grains.GetGrain<IMeasurementStoreGrain>(storeKey).GetRecordedKeysAsync();
                foreach (var board in new[] { "local-0", "local-1" })
                {
                    if (await client.Grains.GetGrain<IBoardGrain>(board).GetProcessIdAsync() is { } pid)
                    {
                        executors.Add(pid);
                    }
                }

                // The last word before the kill: what has completed by now is what must survive it.
                atKill = await exploration.GetSummaryAsync();
            }

            killUnixNs = UnixNanosecondsNow();
            var exitCode = await first.KillAsync();
            // 128 + 9: the silo died of SIGKILL, not of a shutdown it could react to.
            Assert.Equal(137, exitCode);
            // The executors got their SIGKILL with the silo, but a process takes a moment to die (its threads exit, its
            // memory is unmapped; longer on a loaded machine); checked before the clean-up below kills any survivor.
            outlived = await AliveAfterAsync(executors, TimeSpan.FromSeconds(10));
        }
        finally
        {
            await first.DisposeAsync();
            KillLingering(executors);
        }

        output.WriteLine($"killed at episode {atKill.Episode} after {clock.Elapsed.TotalSeconds:0.0} s; {keysBeforeKill.Count} measurements recorded; executors {string.Join(", ", executors)}");
        Assert.True(atKill.Episode < Episodes, $"the exploration was already at episode {atKill.Episode} of {Episodes}: the kill did not interrupt it");
        Assert.NotEmpty(keysBeforeKill);
        Assert.NotEmpty(executors);
        // The executors were in the killed tree, so no orphan keeps measuring (and loading a core) while the silo restarts.
        Assert.True(outlived.Count == 0, $"executors {string.Join(", ", outlived)} outlived the silo's SIGKILL by 10 s");

        await using var second = await SiloProcess.StartAsync("restarted", siloPort, gatewayPort, arguments, environment, UpTimeout);
        await using var again = await GatewayClient.ConnectAsync(gatewayPort);
        output.WriteLine($"restarted and connected after {clock.Elapsed.TotalSeconds:0.0} s");
        var resumed = again.Grains.GetGrain<IExplorationGrain>(ExplorationId);
        var final = await ExplorationWait.UntilAsync(resumed, s => s.Status != ExplorationStatus.Running, CompletionTimeout, second.Tail);
        output.WriteLine($"completed after {clock.Elapsed.TotalSeconds:0.0} s in all");

        Assert.True(final.Status == ExplorationStatus.Completed, $"{final.Status}: {final.Error}\n{second.Tail()}");
        // The restarted silo picked the loop up from its checkpoint (the start-up wake-up), it did not start over.
        Assert.True(second.Printed($"exploration {ExplorationId}: resuming"), $"the restarted silo did not say it resumed:\n{second.Tail()}");
        Assert.Equal(Episodes, final.Episode);
        Assert.Equal(Episodes, final.BestCostByEpisode.Count);
        Assert.NotNull(final.BestLatencyMs);

        var store = again.Grains.GetGrain<IMeasurementStoreGrain>(storeKey);
        var keys = await store.GetRecordedKeysAsync();
        // Each request key (an episode, a confirmation, a run-off round) is recorded at most once ...
        Assert.Equal(keys.Count, keys.Distinct(StringComparer.Ordinal).Count());
        // ... no episode beyond the budget was measured ...
        Assert.All(keys.Where(k => k.StartsWith($"{ExplorationId}/e", StringComparison.Ordinal)),
            k => Assert.InRange(int.Parse(k[$"{ExplorationId}/e".Length..], CultureInfo.InvariantCulture), 1, Episodes));
        // ... and the table holds one measurement per recorded key: nothing measured before the kill went in twice.
        var table = MeasurementTable.Parse(await store.GetTableAsync() ?? throw new InvalidOperationException("the store has no table"));
        Assert.Equal(keys.Count, table.Measurements);

        var missing = keysBeforeKill.Except(keys, StringComparer.Ordinal).ToList();
        Assert.True(missing.Count == 0, $"measurements recorded before the kill are gone after the restart: {string.Join(", ", missing)}");
        foreach (var key in keysBeforeKill)
        {
            var kept = await again.Grains.GetGrain<IEpisodeGrain>(key).GetOutcomeAsync();
            Assert.True(kept?.Reply is not null, $"{key}: no kept outcome after the restart");
            var reply = MeasureReply.Parser.ParseFrom(kept.Reply);
            // The executor's own clock says when the kept reply was measured: before the kill, so not measured again.
            Assert.True(reply.EndUnixNs > 0 && reply.EndUnixNs < killUnixNs,
                $"{key}: its kept measurement ran {reply.StartUnixNs}..{reply.EndUnixNs} ns, the kill was at {killUnixNs} ns: it was measured again");
        }

        output.WriteLine($"{keys.Count} measurements in the store, {keysBeforeKill.Count} of them from before the kill");
    }

    private static long UnixNanosecondsNow() => (DateTime.UtcNow - DateTime.UnixEpoch).Ticks * 100;

    /// <summary>Whether a process runs (a zombie waiting for a reaper does not: it can neither measure nor hold a core).</summary>
    private static bool IsAlive(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var state = stat[(stat.LastIndexOf(')') + 2)..].TrimStart()[0];
            return state is not ('Z' or 'X');
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>The processes of <paramref name="pids"/> still alive after <paramref name="grace"/> (or as soon as none is).</summary>
    private static async Task<List<int>> AliveAfterAsync(IReadOnlyList<int> pids, TimeSpan grace)
    {
        var deadline = Stopwatch.StartNew();
        var alive = pids.Where(IsAlive).ToList();
        while (alive.Count > 0 && deadline.Elapsed < grace)
        {
            await Task.Delay(50);
            alive = [.. alive.Where(IsAlive)];
        }

        return alive;
    }

    /// <summary>Clean-up whatever happened: executors that outlived their silo are killed too.</summary>
    private static void KillLingering(IEnumerable<int> executors)
    {
        foreach (var pid in executors.Where(IsAlive))
        {
            try
            {
                using var process = System.Diagnostics.Process.GetProcessById(pid);
                process.Kill();
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException)
            {
                // Gone in the meantime.
            }
        }
    }
}
