using System.Net;
using System.Net.Sockets;
using Dsx.Silo;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;

namespace Dsx.Cli;

/// <summary>The client verbs' connection to a silo's gateway (<c>--gateway HOST:PORT</c>, loopback by default).</summary>
internal sealed class ClusterConnection : IAsyncDisposable
{
    public const string DefaultGateway = "127.0.0.1:30000";

    private readonly IHost _host;

    private ClusterConnection(IHost host) => _host = host;

    public IClusterClient Client => _host.Services.GetRequiredService<IClusterClient>();

    public static async Task<ClusterConnection> ConnectAsync(string gateway, string clusterId, CancellationToken cancellationToken)
    {
        var endpoint = ParseEndpoint(gateway);
        var host = new HostBuilder()
            .UseOrleansClient(client => client
                .UseStaticClustering(endpoint)
                .Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (clusterId, DsxClusterOptions.DefaultServiceId))
                .Configure<ClientMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromMinutes(30)))
            .ConfigureLogging(logging => logging.SetMinimumLevel(LogLevel.Critical))
            .Build();
        try
        {
            await host.StartAsync(cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            host.Dispose();
            throw new IOException(
                $"no silo of cluster '{clusterId}' answers at {gateway} ({e.Message.Split('\n')[0].TrimEnd('.')}): start one with 'dsx silo', "
                + "or give --gateway HOST:PORT and --cluster-id", e);
        }

        return new ClusterConnection(host);
    }

    /// <exception cref="UsageException">Not HOST:PORT.</exception>
    public static IPEndPoint ParseEndpoint(string text)
    {
        var colon = text.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(text.AsSpan(colon + 1), out var port) || port is < 1 or > 65535)
        {
            throw new UsageException($"--gateway '{text}' is not HOST:PORT (e.g. {DefaultGateway}).");
        }

        var host = text[..colon];
        if (IPAddress.TryParse(host, out var address))
        {
            return new IPEndPoint(address, port);
        }

        try
        {
            return new IPEndPoint(Dns.GetHostAddresses(host).First(a => a.AddressFamily == AddressFamily.InterNetwork), port);
        }
        catch (Exception e) when (e is SocketException or InvalidOperationException)
        {
            throw new UsageException($"--gateway: cannot resolve '{host}'.");
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _host.StopAsync();
        }
        finally
        {
            _host.Dispose();
        }
    }
}
