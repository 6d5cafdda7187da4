using System.Globalization;
using Dsx.BoardHost;
using Dsx.Grains.Tests.SiloProcesses;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.Runtime;

namespace Dsx.Grains.Tests.Postgres;

/// <summary>What the tests of silos clustered on a PostgreSQL server share: starting one, a client of the cluster, polling an exploration.</summary>
internal static class PostgresSilos
{
    /// <summary><c>dsx silo --cluster</c> on loopback with one local board; failure detection within <paramref name="failureDetection"/>, or Orleans' own.</summary>
    public static SiloProcess Start(
        string name, PostgresServer server, string clusterId, int siloPort, int gatewayPort, string executor, TimeSpan? failureDetection) =>
        SiloProcess.Start(
            name, siloPort, gatewayPort,
            [
                "--cluster", server.Url("dsx"), "--cluster-id", clusterId, "--address", "127.0.0.1", "--local-boards", "1",
                .. failureDetection is { } detection ? ["--failure-detection", detection.TotalSeconds.ToString(CultureInfo.InvariantCulture)] : Array.Empty<string>(),
            ],
            new Dictionary<string, string> { [ExecutorLocator.EnvironmentVariable] = executor });

    /// <summary>A client that finds the gateways in the membership table too, so it moves to a survivor's when one dies.</summary>
    public static Task<GatewayClient> ConnectAsync(string connectionString, string clusterId) =>
        GatewayClient.ConnectAsync(client => client
            .Configure<ClusterOptions>(o =>
            {
                o.ClusterId = clusterId;
                o.ServiceId = "dsx";
            })
            .UseAdoNetClustering(o =>
            {
                o.Invariant = "Npgsql";
                o.ConnectionString = connectionString;
            })
            .Configure<GatewayOptions>(o => o.GatewayListRefreshPeriod = TimeSpan.FromSeconds(2)));

    /// <summary>Polls the summary until <paramref name="done"/> or the timeout (then the last summary); a call to a silo that just died is retried.</summary>
    public static async Task<ExplorationSummary> PollAsync(IExplorationGrain exploration, Func<ExplorationSummary, bool> done, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                var summary = await exploration.GetSummaryAsync();
                if (done(summary) || DateTime.UtcNow > deadline)
                {
                    return summary;
                }
            }
            catch (Exception e) when (e is OrleansException or TimeoutException)
            {
                // The silo it was on just died: the call goes elsewhere once membership says so.
                if (DateTime.UtcNow > deadline)
                {
                    throw;
                }
            }

            await Task.Delay(200);
        }
    }
}
