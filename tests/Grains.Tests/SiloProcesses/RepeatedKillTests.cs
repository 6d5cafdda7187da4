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
/// killed five times at seeded random moments (a random delay after the next checkpoint it writes in each run, so
/// episodes, the learner, the store and the checkpoint are being written) and restarted each time on the same file. It
/// must complete with exactly its budget, and <c>dsx store check</c> must find the file sound, after every kill and at the end. The check itself must be
/// able to fail: copies of the file with a torn row, a lost and a doubled measurement, and smashed pages are refused.
/// </summary>
public sealed class RepeatedKillTests(ITestOutputHelper output)
{
    private const string ExplorationId = "killed";
    /// <summary>
    /// More than five short runs can finish: once the learner settles, episodes answered from the table take no time.
    /// A run between a restart and its kill took up to 30 episodes on a loaded 2-core machine, and 250 on a quiet one
    /// once the store committed concurrent writes together (400 then ended before the fifth kill).
    /// </summary>
    private const int Episodes = 1500;
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
        var delays = Enumerable.Range(0, Kills).Select(_ => TimeSpan.FromMilliseconds(random.Next(0, 300))).ToList();
        output.WriteLine($"seed {Seed}: kills {string.Join(", ", delays.Select(d => $"{d.TotalMilliseconds:0} ms"))} after the exploration's next checkpoint in each run");
        var clock = Stopwatch.StartNew();

        for (var kill = 0; kill < Kills; kill++)
        {
            await using var silo = await SiloProcess.StartAsync($"run {kill + 1}", ports[0], ports[1], arguments, environment, UpTimeout);
            if (kill == 0)
            {
                await using var client = await GatewayClient.ConnectAsync(ports[1]);
                await client.Grains.GetGrain<IModelGrain>(hash).PutAsync(graph.Name, graph.ToByteArray());
                await client.Grains.GetGrain<IExplorationGrain>(ExplorationId).StartAsync(spec);
            }

            // Watched in the file itself (a reader beside the silo's writer): the kill follows a checkpoint the silo just
            // wrote, so the run is writing, whatever the machine's pace; no client connection delays it.
            var before = StoredExploration(database);
            var written = await StoredAfterAsync(database, before.Version, silo);
            await Task.Delay(delays[kill]);
            Assert.Equal(137, await silo.KillAsync());
            var killed = StoredExploration(database);
            output.WriteLine($"[{clock.Elapsed.TotalSeconds,6:F1} s] kill {kill + 1}: checkpoint at episode {written.Episode}, killed with episode {killed.Episode} stored");
            Assert.True(killed.Status == (int)ExplorationStatus.Running, $"kill {kill + 1} came too late: the stored exploration is {(ExplorationStatus)killed.Status} at episode {killed.Episode}");
            // Sound after every kill, not only at the end: an outcome kept but not yet recorded must be one the exploration
            // will settle when it resumes (the end alone passes whenever the resumed search happens to ask that key again).
            var afterKill = SqliteStoreCheck.RunWithSiloSerializer(database);
            Assert.True(afterKill.Sound, $"after kill {kill + 1}: {string.Join('\n', afterKill.Problems)}");
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

    /// <summary>The exploration's row as stored: its version (one more per write), status and episodes done.</summary>
    private static (long Version, long Status, long Episode) StoredExploration(string database)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = database, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT version, json_extract(CAST(payload AS TEXT), '$.Status'), json_extract(CAST(payload AS TEXT), '$.Episode') FROM grain_state WHERE grain_id = 'exploration/{ExplorationId}'";
        using var reader = command.ExecuteReader();
        return reader.Read()
            ? (reader.GetInt64(0), reader.IsDBNull(1) ? 0 : reader.GetInt64(1), reader.IsDBNull(2) ? 0 : reader.GetInt64(2))
            : (0, 0, 0);
    }

    private static async Task<(long Version, long Status, long Episode)> StoredAfterAsync(string database, long version, SiloProcess silo)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var stored = StoredExploration(database);
            if (stored.Version > version)
            {
                return stored;
            }

            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(120), $"the exploration wrote nothing for 120 s (version {version}); the silo's last output:\n{silo.Tail()}");
            await Task.Delay(TimeSpan.FromMilliseconds(20));
        }
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
