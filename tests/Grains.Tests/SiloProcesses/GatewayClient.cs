using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;

namespace Dsx.Grains.Tests.SiloProcesses;

/// <summary>An Orleans client in the test process, connected to a silo process's gateway on loopback (what the dsx client verbs do).</summary>
internal sealed class GatewayClient : IAsyncDisposable
{
    private readonly IHost _host;

    private GatewayClient(IHost host) => _host = host;

    public IClusterClient Grains => _host.Services.GetRequiredService<IClusterClient>();

    public static async Task<GatewayClient> ConnectAsync(int gatewayPort)
    {
        var host = new HostBuilder()
            .UseOrleansClient(client => client
                .UseStaticClustering(new IPEndPoint(IPAddress.Loopback, gatewayPort))
                // A call that hangs (a silo that stopped answering) fails the test in bounded time.
                .Configure<ClientMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(60)))
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
