using System.Diagnostics;
using Dsx.BoardHost;
using Dsx.Model;
using Dsx.Silo.Storage;
using Google.Protobuf;
using Xunit.Abstractions;

namespace Dsx.Grains.Tests.SiloProcesses;

/// <summary>
/// Disk full or read-only storage, on a real tmpfs: <c>dsx silo</c> refuses such a folder with one line naming the
/// file; a silo whose disk fills mid-exploration keeps the exploration running but waiting, says why in its status,
/// continues once space is freed, and leaves a sound store.
/// </summary>
public sealed class FullDiskTests(ITestOutputHelper output)
{
    private const long TmpfsBytes = 32L << 20;
    private static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(60);

    [TmpfsFact]
    public async Task A_silo_refuses_a_read_only_or_full_folder_with_one_line_naming_the_file()
    {
        using var disk = TmpfsMount.Create(TmpfsBytes);
        var database = Path.Combine(disk.Path, "dsx.db");

        disk.ReadOnly();
        await AssertRefusedAsync("read-only, no file yet", database, "cannot use the file");

        // A file from an earlier run on a disk that has since become read-only.
        disk.ReadWrite();
        await SqliteGrainStorage.PrepareAsync("dsx", database, CancellationToken.None);
        disk.ReadOnly();
        await AssertRefusedAsync("read-only, file exists", database, "read-only");

        disk.ReadWrite();
        disk.Fill();
        await AssertRefusedAsync("full", database, "disk is full");
    }

    [TmpfsFact]
    public async Task A_disk_that_fills_mid_exploration_pauses_it_and_freeing_space_lets_it_complete_with_a_sound_store()
    {
        var clock = Stopwatch.StartNew();
        using var disk = TmpfsMount.Create(TmpfsBytes);
        var database = Path.Combine(disk.Path, "dsx.db");
        var ports = FreePorts.Pick(2);
        var environment = new Dictionary<string, string> { [ExecutorLocator.EnvironmentVariable] = ExecutorLocator.Locate() };
        await using var silo = await SiloProcess.StartAsync(
            "on tmpfs", ports[0], ports[1], ["--db", database, "--local-boards", "1", "--verbose"], environment, TimeSpan.FromSeconds(90));
        try
        {
            await using var client = await GatewayClient.ConnectAsync(ports[1]);
            var graph = ModelZoo.Build("tiny_cnn");
            var hash = ModelHash.Of(graph);
            await client.Grains.GetGrain<IModelGrain>(hash).PutAsync(graph.Name, graph.ToByteArray());
            // tiny_cnn runs in a tenth of a millisecond and the store's journal writes little: 1000 repeats keep each
            // measurement long enough that the exploration is still running when the disk fills (24 episodes of 20 once
            // finished between two polls).
            var spec = new ExplorationSpec(
                graph.Name, hash, "local", "qlearning", Episodes: 60, Batch: 1, "latency", AllowInt8: false, SeedPlans: false, Seed: 9,
                Repeats: 1000, Warmup: 1, ConfirmTopK: 1, FinalRounds: 0, CalibrationSize: 1);
            var exploration = client.Grains.GetGrain<IExplorationGrain>("full-disk");
            await exploration.StartAsync(spec);
            var before = await ExplorationWait.UntilAsync(exploration, s => s.Episode >= 4, TimeSpan.FromSeconds(90), silo.Tail);
            Assert.True(before.Status == ExplorationStatus.Running, $"{before.Status}: {before.Error}");

            disk.Fill();
            Log(clock, $"disk filled at episode {before.Episode}");
            var waiting = await ExplorationWait.UntilAsync(exploration, s => s.Error?.Contains("disk is full", StringComparison.Ordinal) == true, TimeSpan.FromSeconds(60), silo.Tail);
            Assert.True(waiting.Status == ExplorationStatus.Running, $"{waiting.Status}: {waiting.Error}");
            Log(clock, $"waiting at episode {waiting.Episode}: {waiting.Error}");
            // What a user sees: the status verb names the storage and the cause.
            var status = await DsxCommand.RunAsync(["status", "full-disk", "--gateway", $"127.0.0.1:{ports[1]}"], TimeSpan.FromSeconds(60));
            output.WriteLine(status.Stdout + status.Stderr);
            Assert.Equal(0, status.ExitCode);
            Assert.Contains("running", status.Stdout, StringComparison.Ordinal);
            Assert.Contains(database, status.Stdout, StringComparison.Ordinal);
            Assert.Contains("disk is full", status.Stdout, StringComparison.Ordinal);

            // Still full a while later: still waiting, and what is stored has not moved past the checkpoint it had.
            await Task.Delay(TimeSpan.FromSeconds(4));
            var stillFull = await exploration.GetSummaryAsync();
            Assert.True(stillFull.Status == ExplorationStatus.Running && stillFull.Error is not null, $"{stillFull.Status}: {stillFull.Error}");

            disk.Free();
            Log(clock, "space freed");
            var done = await ExplorationWait.UntilAsync(exploration, s => s.Status != ExplorationStatus.Running, TimeSpan.FromSeconds(180), silo.Tail);
            Log(clock, $"{done.Status} at episode {done.Episode}");
            Assert.True(done.Status == ExplorationStatus.Completed, $"{done.Status}: {done.Error}\n{silo.Tail()}");
            Assert.Null(done.Error);
            Assert.Equal(spec.Episodes, done.Episode);
            Assert.Equal(spec.Episodes, done.BestCostByEpisode.Count);
        }
        catch
        {
            output.WriteLine(silo.Tail());
            throw;
        }

        await silo.KillAsync();
        var check = await DsxCommand.RunAsync(["store", "check", "--db", database], TimeSpan.FromSeconds(60));
        output.WriteLine(check.Stdout + check.Stderr);
        Assert.True(check.ExitCode == 0, $"dsx store check exited {check.ExitCode}:\n{check.Stdout}{check.Stderr}");
    }

    private async Task AssertRefusedAsync(string what, string database, string reason)
    {
        var ports = FreePorts.Pick(2);
        await using var silo = SiloProcess.Start(what, ports[0], ports[1], ["--db", database], new Dictionary<string, string>());
        var exitCode = await silo.WaitForExitAsync(ExitTimeout);
        var lines = silo.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        output.WriteLine($"{what}: exit {exitCode}: {silo.Output}");
        Assert.Equal(1, exitCode);
        var line = Assert.Single(lines);
        Assert.StartsWith("dsx: ", line, StringComparison.Ordinal);
        Assert.Contains(database, line, StringComparison.Ordinal);
        Assert.Contains(reason, line, StringComparison.Ordinal);
    }

    private void Log(Stopwatch clock, string message) => output.WriteLine($"[{clock.Elapsed.TotalSeconds,6:F1} s] {message}");
}
