using System.Net;
using Dsx.Silo;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;

namespace Dsx.Grains.Tests.SiloProcesses;

/// <summary>An Orleans client in the test process, connected to silo processes' gateways (what the dsx client verbs do).</summary>
internal sealed class GatewayClient : IAsyncDisposable
{
    private readonly IHost _host;

    private GatewayClient(IHost host) => _host = host;

    public IClusterClient Grains => _host.Services.GetRequiredService<IClusterClient>();

    /// <summary>To the one gateway on <paramref name="gatewayPort"/> on loopback (a single silo without a membership table).</summary>
    public static Task<GatewayClient> ConnectAsync(int gatewayPort) =>
        ConnectAsync(client => client
            .UseStaticClustering(new IPEndPoint(IPAddress.Loopback, gatewayPort))
            // A gateway turns away clients of another cluster: these are the ids a one-machine silo runs with unless told otherwise.
            .Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (DsxClusterOptions.DefaultClusterId, DsxClusterOptions.DefaultServiceId))
            // A call that hangs (a silo that stopped answering) fails the test in bounded time.
            .Configure<ClientMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(60)));

    /// <summary>With the clustering (and whatever else) <paramref name="configure"/> sets up: how the client finds the gateways.</summary>
    public static async Task<GatewayClient> ConnectAsync(Action<IClientBuilder> configure)
    {
        var host = new HostBuilder()
            .UseOrleansClient(configure)
            .ConfigureLogging(logging => logging.SetMinimumLevel(LogLevel.Warning))
            .Build();
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await host.StartAsync(timeout.Token);
        }
        catch
        {
            host.Dispose();
            throw;
        }

        return new GatewayClient(host);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            // A client whose silo is gone must not hold up the test's clean-up.
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await _host.StopAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            // Abandoned: disposing the host below releases what it holds.
        }
        finally
        {
            _host.Dispose();
        }
    }
}
