using Dsx.BoardHost;
using Dsx.Grains.Tests.SiloProcesses;
using Dsx.Model;
using Dsx.Silo;
using Dsx.Silo.Web;
using Google.Protobuf;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Dsx.Grains.Tests.Web;

/// <summary>
/// A silo with its web part in the test process, built the way <c>dsx silo</c> builds its host (<see cref="DsxWeb.UseDsxSilo"/>),
/// on free ports (HTTP on port 0 of loopback) with SQLite state in a fresh folder and local boards on the real executor.
/// </summary>
internal sealed class WebSilo : IAsyncDisposable
{
    private readonly IHost _host;
    private readonly string _folder;

    private WebSilo(IHost host, string folder, Uri address, DsxSiloOptions options)
    {
        _host = host;
        _folder = folder;
        SiloPort = options.SiloPort;
        GatewayPort = options.GatewayPort;
        Http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(60) };
    }

    public HttpClient Http { get; }

    /// <summary>Orleans' silo-to-silo port.</summary>
    public int SiloPort { get; }

    /// <summary>The port the dsx client verbs connect to.</summary>
    public int GatewayPort { get; }

    public IClusterClient Client => _host.Services.GetRequiredService<IClusterClient>();

    /// <summary>Where Kestrel listens, as it reports once started.</summary>
    public IReadOnlyList<string> Addresses => DsxWeb.Addresses(_host);

    public static async Task<WebSilo> StartAsync(int localBoards, string? apiKey)
    {
        var folder = Path.Combine(Path.GetTempPath(), "dsx-web-tests", Guid.NewGuid().ToString("N"));
        var ports = FreePorts.Pick(2);
        var options = new DsxSiloOptions
        {
            DatabasePath = Path.Combine(folder, "dsx.db"),
            SiloPort = ports[0],
            GatewayPort = ports[1],
            LocalBoards = localBoards,
            ExecutorPath = ExecutorLocator.Locate(),
        };
        var host = new HostBuilder().UseDsxSilo(options, new DsxWebOptions { Urls = "http://127.0.0.1:0", ApiKey = apiKey }).Build();
        await host.StartAsync();
        return new WebSilo(host, folder, new Uri(DsxWeb.Addresses(host)[0]), options);
    }

    /// <summary>Uploads a zoo model; returns its hash.</summary>
    public async Task<string> UploadAsync(string zooName)
    {
        var graph = ModelZoo.Build(zooName);
        var hash = ModelHash.Of(graph);
        await Client.GetGrain<IModelGrain>(hash).PutAsync(graph.Name, graph.ToByteArray());
        return hash;
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _host.StopAsync();
        _host.Dispose();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // Left for the OS: a failed clean-up must not fail the test.
        }
    }
}
