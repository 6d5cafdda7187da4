using System.Diagnostics;
using System.Globalization;
using Dsx.BoardHost;
using Dsx.BoardHost.Tests;
using Dsx.Grains.Tests.Storage;
using Dsx.Model;
using Dsx.Silo.Storage;
using Google.Protobuf;
using Microsoft.Data.Sqlite;
using Xunit.Abstractions;

namespace Dsx.Grains.Tests.SiloProcesses;

/// <summary>
/// The issue's "silo SIGKILL during writes, repeated": one exploration on a real <c>dsx silo</c> with SQLite storage is
/// killed five times at seeded random moments (once it has made progress since the restart, so episodes, the learner,
/// the store and the checkpoint are being written, plus a random delay) and restarted each time on the same file. It
/// must complete with exactly its budget, and <c>dsx store check</c> must find the file sound. The check itself must be
/// able to fail: copies of the file with a torn row, a lost and a doubled measurement, and smashed pages are refused.
/// </summary>
public sealed class RepeatedKillTests(ITestOutputHelper output)
{
    private const string ExplorationId = "killed";
    /// <summary>
    /// More than five short runs can finish: once the learner settles, episodes answered from the table take no time, and
    /// a restarted silo runs on while the test's client connects (about 40 episodes a run on the loaded 2-core machine).
    /// </summary>
    private const int Episodes = 400;
    private const int Kills = 5;

    /// <summary>Episode rows that kept a measurement (a reply), which the store must therefore have recorded.</summary>
    private const string MeasuredEpisodes =
        $"FROM grain_state WHERE state_name = 'episode' AND grain_id LIKE 'episode/{ExplorationId}/e%' AND CAST(payload AS TEXT) LIKE '%\"Reply\":%'";

    /// <summary>Fixed, so a failure replays the same kill moments; DSX_KILL_SEED tries others.</summary>
    private static readonly int Seed = int.TryParse(Environment.GetEnvironmentVariable("DSX_KILL_SEED"), CultureInfo.InvariantCulture, out var s) ? s : 20261130;

    private static readonly TimeSpan UpTimeout = TimeSpan.FromSeconds(90);

    [ExecutorFact]
    public async Task An_exploration_killed_five_times_during_writes_completes_with_a_sound_store()
    {
        using var folder = new TempFolder();
        var database = folder.FilePath("dsx.db");
        var ports = FreePorts.Pick(2);
        string[] arguments = ["--db", database, "--local-boards", "2", "--verbose"];
        var environment = new Dictionary<string, string> { [ExecutorLocator.EnvironmentVariable] = ExecutorLocator.Locate() };
        var graph = ModelZoo.Build("tiny_cnn");
        var hash = ModelHash.Of(graph);
        // Short measurements (20 repeats of a tiny network): many writes per second, so a kill is likely to hit one.
        var spec = new ExplorationSpec(
            graph.Name, hash, "local", "qlearning", Episodes, Batch: 2, "latency", AllowInt8: false, SeedPlans: false, Seed: 5,
            Repeats: 20, Warmup: 1, ConfirmTopK: 2, FinalRounds: 1, CalibrationSize: 1);
        var random = new Random(Seed);
        var delays = Enumerable.Range(0, Kills).Select(_ => TimeSpan.FromMilliseconds(random.Next(0, 1500))).ToList();
        output.WriteLine($"seed {Seed}: kills {string.Join(", ", delays.Select(d => $"{d.TotalMilliseconds:0} ms"))} after the exploration moves on after each (re)start");
        var clock = Stopwatch.StartNew();

        for (var kill = 0; kill < Kills; kill++)
        {
            await using var silo = await SiloProcess.StartAsync($"run {kill + 1}", ports[0], ports[1], arguments, environment, UpTimeout);
            await using (var client = await GatewayClient.ConnectAsync(ports[1]))
            {
                var exploration = client.Grains.GetGrain<IExplorationGrain>(ExplorationId);
                if (kill == 0)
                {
                    await client.Grains.GetGrain<IModelGrain>(hash).PutAsync(graph.Name, graph.ToByteArray());
                    await exploration.StartAsync(spec);
                }

                var resumedAt = (await exploration.GetSummaryAsync()).Episode;
                var moving = await ExplorationWait.UntilAsync(exploration, s => s.Episode > resumedAt || s.Status != ExplorationStatus.Running, TimeSpan.FromSeconds(120), silo.Tail);
                Assert.True(moving.Status == ExplorationStatus.Running, $"before kill {kill + 1}: {moving.Status} at episode {moving.Episode}: {moving.Error}\n{silo.Tail()}");
                await Task.Delay(delays[kill]);
                var last = await exploration.GetSummaryAsync();
                Assert.True(last.Status == ExplorationStatus.Running, $"kill {kill + 1} came too late: the exploration is {last.Status} at episode {last.Episode} of {Episodes}");
                output.WriteLine($"[{clock.Elapsed.TotalSeconds,6:F1} s] kill {kill + 1}: resumed at episode {resumedAt}, killed at {last.Episode}");
            }

            Assert.Equal(137, await silo.KillAsync());
        }

        await using (var final = await SiloProcess.StartAsync("final", ports[0], ports[1], arguments, environment, UpTimeout))
        await using (var client = await GatewayClient.ConnectAsync(ports[1]))
        {
            var done = await ExplorationWait.UntilAsync(
                client.Grains.GetGrain<IExplorationGrain>(ExplorationId), s => s.Status != ExplorationStatus.Running, TimeSpan.FromMinutes(4), final.Tail);
            output.WriteLine($"[{clock.Elapsed.TotalSeconds,6:F1} s] {done.Status} at episode {done.Episode}");
            Assert.True(done.Status == ExplorationStatus.Completed, $"{done.Status}: {done.Error}\n{final.Tail()}");
            Assert.True(final.Printed($"exploration {ExplorationId}: resuming"), $"the last silo did not resume the exploration:\n{final.Tail()}");
            Assert.Equal(Episodes, done.Episode);
            Assert.Equal(Episodes, done.BestCostByEpisode.Count);
            Assert.NotNull(done.BestLatencyMs);
            await final.KillAsync();
        }

        // What a user runs: the file is sound and holds this exploration's work.
        var check = await DsxCommand.RunAsync(["store", "check", "--db", database], TimeSpan.FromSeconds(60));
        output.WriteLine(check.Stdout + check.Stderr);
        Assert.True(check.ExitCode == 0, $"dsx store check exited {check.ExitCode}:\n{check.Stdout}{check.Stderr}");
        Assert.Contains("sound", check.Stdout, StringComparison.Ordinal);
        var report = SqliteStoreCheck.RunWithSiloSerializer(database);
        Assert.True(report.Sound, string.Join('\n', report.Problems));
        Assert.Equal(1, report.Explorations);
        Assert.True(report.Measurements >= 10, $"only {report.Measurements} measurements recorded");

        CheckFailsOnCorruptedCopies(folder, database);
    }

    /// <summary>Each corruption of a clean copy is one the check exists for; it must name it.</summary>
    private void CheckFailsOnCorruptedCopies(TempFolder folder, string database)
    {
        var torn = Copy(folder, database, "torn.db");
        Execute(torn, $"UPDATE grain_state SET payload = substr(payload, 1, length(payload) / 2) WHERE grain_id = (SELECT max(grain_id) {MeasuredEpisodes})");
        AssertProblem(torn, "torn row");

        // A measurement whose episode outcome is gone: the store points at work nothing keeps.
        var lost = Copy(folder, database, "lost.db");
        Execute(lost, $"DELETE FROM grain_state WHERE grain_id = (SELECT min(grain_id) {MeasuredEpisodes})");
        AssertProblem(lost, "keeps no measurement");

        // One key recorded twice: the JSON list of keys gets its first key again.
        var doubled = Copy(folder, database, "doubled.db");
        Execute(doubled, "UPDATE grain_state SET payload = CAST(replace(CAST(payload AS TEXT), '\"$values\":[\"', '\"$values\":[\"" + ExplorationId + "/e1\",\"') AS BLOB) WHERE state_name = 'table'");
        AssertProblem(doubled, "recorded 2 times");

        // Pages overwritten in the middle of the file: SQLite's own check (or its reader) must notice.
        var smashed = Copy(folder, database, "smashed.db");
        using (var file = new FileStream(smashed, FileMode.Open, FileAccess.ReadWrite))
        {
            var garbage = new byte[3 * 4096];
            new Random(Seed).NextBytes(garbage);
            file.Position = file.Length / 2 / 4096 * 4096;
            file.Write(garbage);
        }

        var report = SqliteStoreCheck.RunWithSiloSerializer(smashed);
        output.WriteLine($"smashed copy: {string.Join("; ", report.Problems.Take(3))}");
        Assert.False(report.Sound, "the check found nothing wrong with a file whose pages were overwritten");
    }

    private void AssertProblem(string path, string expected)
    {
        var report = SqliteStoreCheck.RunWithSiloSerializer(path);
        output.WriteLine($"{Path.GetFileName(path)}: {string.Join("; ", report.Problems)}");
        Assert.Contains(report.Problems, p => p.Contains(expected, StringComparison.Ordinal));
    }

    /// <summary>A standalone copy (VACUUM INTO folds the WAL in), so corrupting it leaves the original alone.</summary>
    private static string Copy(TempFolder folder, string database, string name)
    {
        var copy = folder.FilePath(name);
        Execute(database, $"VACUUM INTO '{copy}'");
        return copy;
    }

    private static void Execute(string database, string sql)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = database, Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        Assert.True(command.ExecuteNonQuery() != 0 || sql.StartsWith("VACUUM", StringComparison.Ordinal), $"changed nothing: {sql}");
    }
}
