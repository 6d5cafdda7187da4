using System.Diagnostics;
using Dsx.BoardHost;
using Dsx.Grains.Tests.Storage;
using Dsx.Model;
using Google.Protobuf;

namespace Dsx.Grains.Tests.SiloProcesses;

/// <summary>
/// <c>dsx silo --replay-boards N</c> serves its replay boards from one <c>dsx replay-executor --listen</c> process, each
/// board a TCP connection through the real board grain and executor connection; the host goes when the silo goes, even
/// when the silo is killed.
/// </summary>
public sealed class ReplayHostSiloTests
{
    private static readonly TimeSpan UpTimeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Three_replay_boards_of_one_host_run_an_exploration_and_the_host_dies_with_its_killed_silo()
    {
        using var folder = new TempFolder();
        // A table of the test's own, so the host's command line names this test's host and no other.
        var table = folder.FilePath("replayed.json");
        File.Copy(Path.Combine(ExecutorLocator.FindRepositoryRoot(AppContext.BaseDirectory)!, "bench", "tables", "tiny_cnn.json"), table);
        var ports = FreePorts.Pick(2);
        string[] arguments = ["--db", folder.FilePath("dsx.db"), "--replay-boards", "3", "--replay-table", table, "--replay-time-scale", "0.5"];
        var graph = ModelZoo.Build("tiny_cnn");
        var hash = ModelHash.Of(graph);
        var spec = new ExplorationSpec(graph.Name, hash, "replay:local", "qlearning", 12, Batch: 3, "latency", AllowInt8: false, SeedPlans: true,
            Seed: 3, Repeats: 3, Warmup: 1, ConfirmTopK: 2, FinalRounds: 1, CalibrationSize: 4);

        var silo = await SiloProcess.StartAsync("replay", ports[0], ports[1], arguments, new Dictionary<string, string>(), UpTimeout);
        try
        {
            await using (var client = await GatewayClient.ConnectAsync(ports[1]))
            {
                await client.Grains.GetGrain<IModelGrain>(hash).PutAsync(graph.Name, graph.ToByteArray());
                var exploration = client.Grains.GetGrain<IExplorationGrain>("replayed");
                await exploration.StartAsync(spec);
                var summary = await ExplorationWait.UntilAsync(exploration, s => s.Status == ExplorationStatus.Completed, TimeSpan.FromMinutes(3), silo.Tail);

                Assert.True(summary.Status == ExplorationStatus.Completed, summary.Error);
                var boards = await client.Grains.GetGrain<IBoardFarmGrain>(0).ListAsync();
                Assert.Equal(["replay-0", "replay-1", "replay-2"], boards.Select(b => b.Registration.Id));
                Assert.All(boards, b => Assert.Equal(("tcp", "replay:local"), (b.Registration.Launch, b.Registration.Kind)));
                Assert.True(boards.Sum(b => b.Measurements) >= summary.BoardMeasurements);
            }

            Assert.Single(ReplayHosts(table));
            // SIGKILL to the silo alone: it cannot stop its host, which must see its stdin close and go by itself.
            await silo.KillAloneAsync();
        }
        finally
        {
            await silo.DisposeAsync();
        }

        var clock = Stopwatch.StartNew();
        while (ReplayHosts(table).Length > 0 && clock.Elapsed < TimeSpan.FromSeconds(30))
        {
            await Task.Delay(100);
        }

        Assert.Empty(ReplayHosts(table));
    }

    /// <summary>The live <c>dsx replay-executor --listen</c> processes replaying <paramref name="table"/>.</summary>
    private static int[] ReplayHosts(string table) =>
        [.. Directory.EnumerateDirectories("/proc")
            .Select(d => (Pid: int.TryParse(Path.GetFileName(d), out var pid) ? pid : 0, Dir: d))
            .Where(p => p.Pid > 0 && CommandLine(p.Dir) is { } line && line.Contains("replay-executor", StringComparison.Ordinal)
                && line.Contains(table, StringComparison.Ordinal) && line.Contains("--listen", StringComparison.Ordinal))
            .Select(p => p.Pid)];

    private static string? CommandLine(string procDir)
    {
        try
        {
            return File.ReadAllText(Path.Combine(procDir, "cmdline")).Replace('\0', ' ');
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }
}
