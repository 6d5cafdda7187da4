using System.Diagnostics;
using System.Globalization;
using Dsx.BoardHost;
using Dsx.Grains.Tests.SiloProcesses;
using Dsx.Model;
using Google.Protobuf;
using Npgsql;
using Orleans.Runtime;
using Xunit.Abstractions;

namespace Dsx.Grains.Tests.Postgres;

/// <summary>
/// Several hosts, on one machine: two <c>dsx silo --cluster postgres://...</c> processes on loopback share a PostgreSQL
/// server the test starts. One exploration runs; the silo hosting the exploration grain is killed with SIGKILL; the
/// survivor declares it dead, takes over its reminders, and the exploration's keep-alive reminder re-activates the
/// grain there, which resumes from its last checkpoint in PostgreSQL and completes.
/// </summary>
public sealed class TwoSiloFailoverTests(ITestOutputHelper output)
{
    private const string ClusterId = "dsx-failover-test";

    /// <summary>Seconds, not Orleans' default tens of seconds: the test waits for the death declaration.</summary>
    private static readonly TimeSpan FailureDetection = TimeSpan.FromSeconds(6);

    [PostgresFact]
    public async Task An_exploration_whose_silo_is_killed_completes_on_the_other_silo()
    {
        var clock = Stopwatch.StartNew();
        Assert.True(ExecutorLocator.TryLocate(out var executor, out var reason), reason);
        await using var server = await PostgresServer.StartAsync();
        await server.CreateDatabaseAsync("dsx");
        Log(clock, $"PostgreSQL up on port {server.Port}");

        var ports = FreePorts.Pick(4);
        // Both start at once: their first starts create the schema concurrently, which must not break either.
        await using var a = PostgresSilos.Start("a", server, ClusterId, ports[0], ports[1], executor, FailureDetection);
        await using var b = PostgresSilos.Start("b", server, ClusterId, ports[2], ports[3], executor, FailureDetection);
        try
        {
            await Task.WhenAll(a.WaitUntilUpAsync(TimeSpan.FromSeconds(60)), b.WaitUntilUpAsync(TimeSpan.FromSeconds(60)));
            Log(clock, "both silos up");
            await RunAsync(server, a, b, clock);
        }
        catch
        {
            output.WriteLine($"--- silo a ---\n{a.Output}\n--- silo b ---\n{b.Output}");
            throw;
        }
    }

    private async Task RunAsync(PostgresServer server, SiloProcess a, SiloProcess b, Stopwatch clock)
    {
        await using var client = await PostgresSilos.ConnectAsync(server.ConnectionString("dsx"), ClusterId);
        var grains = client.Grains;
        var management = grains.GetGrain<IManagementGrain>(0);
        Assert.Equal(2, (await management.GetHosts(onlyActive: true)).Count);

        var graph = ModelZoo.Build("tiny_cnn");
        var hash = ModelHash.Of(graph);
        await grains.GetGrain<IModelGrain>(hash).PutAsync(graph.Name, graph.ToByteArray());
        var spec = new ExplorationSpec(
            graph.Name, hash, "local", "qlearning", Episodes: 40, Batch: 1, "latency", AllowInt8: false, SeedPlans: false, Seed: 3,
            Repeats: 20, Warmup: 1, ConfirmTopK: 1, FinalRounds: 0, CalibrationSize: 1);
        var exploration = grains.GetGrain<IExplorationGrain>("failover");
        await exploration.StartAsync(spec);
        Log(clock, "exploration started");

        // Killed once it has checkpointed some progress, so there is something to resume and something left to do.
        var before = await PostgresSilos.PollAsync(exploration, s => s.Status != ExplorationStatus.Running || s.Episode >= 3, TimeSpan.FromSeconds(60));
        Assert.Equal(ExplorationStatus.Running, before.Status);
        var host = await management.GetActivationAddress(exploration) ?? throw new InvalidOperationException("the exploration grain is not active");
        var (victim, survivor) = host.Endpoint.Port == a.SiloPort ? (a, b) : (b, a);
        Assert.Equal(victim.SiloPort, host.Endpoint.Port);
        await victim.KillAsync();
        Log(clock, $"killed silo {victim.Name} (host of the exploration) at episode {before.Episode}/{spec.Episodes}");

        await using (var early = new NpgsqlConnection(server.ConnectionString("dsx")))
        {
            await early.OpenAsync();
            Assert.Equal(1, await ScalarAsync(early, "SELECT count(*) FROM OrleansRemindersTable WHERE GrainId LIKE '%failover%' AND ReminderName = 'keep-alive'"));
        }

        var dead = await WaitForDeathAsync(server.ConnectionString("dsx"), victim.SiloPort, TimeSpan.FromSeconds(60));
        Log(clock, $"membership declared silo {victim.Name} dead ({dead})");

        var after = await PostgresSilos.PollAsync(exploration, s => s.Status != ExplorationStatus.Running, TimeSpan.FromSeconds(150));
        Log(clock, $"exploration {after.Status} at episode {after.Episode}: best {after.BestLatencyMs:F3} ms, baseline {after.BaselineLatencyMs:F3} ms");
        Assert.True(after.Status == ExplorationStatus.Completed, $"status {after.Status}: {after.Error}\n--- survivor {survivor.Name} ---\n{survivor.Output}");
        Assert.Equal(spec.Episodes, after.Episode);
        Assert.True(after.Episode > before.Episode);
        // Only the survivor is left to have run the rest (GetActivationAddress is a cached snapshot, so not asked again).
        var active = Assert.Single(await management.GetHosts(onlyActive: true));
        Assert.Equal(survivor.SiloPort, active.Key.Endpoint.Port);

        // Everything lived in PostgreSQL: grain state rows, and the keep-alive reminder gone once the exploration ended.
        await using var connection = new NpgsqlConnection(server.ConnectionString("dsx"));
        await connection.OpenAsync();
        Assert.True(await ScalarAsync(connection, "SELECT count(*) FROM OrleansStorage WHERE ServiceId = 'dsx'") > 5);
        // The status is written before the reminder is unregistered (a crash between them leaves a reminder that removes
        // itself at its next tick), so a poll can see Completed a moment before the row goes: give it a few seconds.
        var reminderGone = Stopwatch.StartNew();
        while (await ScalarAsync(connection, "SELECT count(*) FROM OrleansRemindersTable WHERE GrainId LIKE '%failover%'") != 0
            && reminderGone.Elapsed < TimeSpan.FromSeconds(20))
        {
            await Task.Delay(200);
        }

        Assert.True(
            await ScalarAsync(connection, "SELECT count(*) FROM OrleansRemindersTable WHERE GrainId LIKE '%failover%'") == 0,
            "the completed exploration's keep-alive reminder is still in OrleansRemindersTable 20 s after it completed");
        Assert.True(
            await ScalarAsync(connection, $"SELECT count(*) FROM OrleansMembershipTable WHERE DeploymentId = '{ClusterId}' AND Status = 3") == 1,
            "OrleansMembershipTable does not hold exactly one active silo");
    }

    private static async Task<string> WaitForDeathAsync(string connectionString, int siloPort, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        while (clock.Elapsed < timeout)
        {
            if (await ScalarAsync(connection, $"SELECT count(*) FROM OrleansMembershipTable WHERE DeploymentId = '{ClusterId}' AND Port = {siloPort} AND Status = 6") == 1)
            {
                return $"{clock.Elapsed.TotalSeconds:F1} s after the kill";
            }

            await Task.Delay(250);
        }

        throw new TimeoutException($"the killed silo (port {siloPort}) was not declared dead within {timeout.TotalSeconds} s");
    }

    private static async Task<long> ScalarAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }

    private void Log(Stopwatch clock, string message) => output.WriteLine($"[{clock.Elapsed.TotalSeconds,6:F1} s] {message}");
}
