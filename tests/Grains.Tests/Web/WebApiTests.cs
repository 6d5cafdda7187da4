using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Text.Json;
using Dsx.BoardHost.Tests;
using Dsx.Grains.Tests.Cluster;
using Dsx.Model;
using Dsx.Silo.Web;

namespace Dsx.Grains.Tests.Web;

/// <summary>The silo's web part (docs/api.md): the JSON API, the dashboard, the API key and loopback-only binding.</summary>
public sealed class WebApiTests
{
    private const string Key = "s3cret-key";

    [Fact]
    public void The_default_urls_are_loopback_on_8080()
    {
        var urls = DsxWebOptions.DefaultUrls.Split(';');
        Assert.All(urls, u => Assert.True(IPAddress.IsLoopback(IPAddress.Parse(new Uri(u).Host)), $"{u} is not loopback"));
        Assert.All(urls, u => Assert.Equal(DsxWebOptions.DefaultPort, new Uri(u).Port));
    }

    [ExecutorFact]
    public async Task The_api_lists_reports_and_pauses_an_exploration_and_the_dashboard_answers_on_the_same_port()
    {
        await using var silo = await WebSilo.StartAsync(localBoards: 1, apiKey: Key);
        var hash = await silo.UploadAsync("tiny_cnn");
        var grain = silo.Client.GetGrain<IExplorationGrain>("w");
        await grain.StartAsync(DsxTestCluster.Spec("tiny_cnn", hash, episodes: 8));

        // Listed, with its status as a name.
        using (var list = await JsonAsync(silo.Http, "/api/explorations"))
        {
            var listed = Assert.Single(list.RootElement.EnumerateArray());
            Assert.Equal("w", listed.GetProperty("id").GetString());
            Assert.Contains(listed.GetProperty("status").GetString(), new[] { "Created", "Running", "Completed" });
        }

        // A POST without the key, or with a wrong one, changes nothing; with it, it answers the summary.
        using (var none = await silo.Http.PostAsync(new Uri("/api/explorations/w/pause", UriKind.Relative), null))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
        }

        Assert.Equal(HttpStatusCode.Unauthorized, (await PostAsync(silo.Http, "/api/explorations/w/pause", "wrong")).StatusCode);
        using (var paused = await PostAsync(silo.Http, "/api/explorations/w/pause", Key))
        {
            Assert.Equal(HttpStatusCode.OK, paused.StatusCode);
            using var body = JsonDocument.Parse(await paused.Content.ReadAsStringAsync());
            // Tiny_cnn may have finished already; either way the call went through.
            Assert.Contains(body.RootElement.GetProperty("status").GetString(), new[] { "Paused", "Completed" });
        }

        Assert.Equal(HttpStatusCode.OK, (await PostAsync(silo.Http, "/api/explorations/w/resume", Key)).StatusCode);
        var summary = await WaitAsync(grain, TimeSpan.FromMinutes(3));
        Assert.Equal(ExplorationStatus.Completed, summary.Status);

        // The report: summary, best plan per layer, Pareto front, in camelCase.
        using (var report = await JsonAsync(silo.Http, "/api/explorations/w"))
        {
            var root = report.RootElement;
            Assert.Equal("Completed", root.GetProperty("summary").GetProperty("status").GetString());
            Assert.Equal(8, root.GetProperty("summary").GetProperty("episode").GetInt32());
            Assert.Equal(ModelZoo.Build("tiny_cnn").Nodes.Count, root.GetProperty("bestPlan").GetArrayLength());
            Assert.True(root.GetProperty("paretoFront").GetArrayLength() > 0);
            Assert.True(root.GetProperty("paretoFront")[0].GetProperty("latencyMs").GetDouble() > 0);
        }

        // An unknown id is a 404 with a message, for reads and writes alike.
        using (var missing = await silo.Http.GetAsync(new Uri("/api/explorations/nope", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
            using var body = JsonDocument.Parse(await missing.Content.ReadAsStringAsync());
            Assert.Contains("nope", body.RootElement.GetProperty("error").GetString(), StringComparison.Ordinal);
        }

        Assert.Equal(HttpStatusCode.NotFound, (await PostAsync(silo.Http, "/api/explorations/nope/cancel", Key)).StatusCode);

        using (var boards = await JsonAsync(silo.Http, "/api/boards"))
        {
            var board = Assert.Single(boards.RootElement.EnumerateArray());
            Assert.Equal("local-0", board.GetProperty("registration").GetProperty("id").GetString());
            Assert.Equal("Idle", board.GetProperty("state").GetString());
        }

        // The Orleans Dashboard (/dashboard redirects to /dashboard/, whose assets are relative) and the pages' place, on the same port.
        foreach (var (path, text) in new[] { (DsxWeb.DashboardPath, "Orleans Dashboard"), ("/", "Dsx") })
        {
            using var page = await silo.Http.GetAsync(new Uri(path, UriKind.Relative));
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
            var html = await page.Content.ReadAsStringAsync();
            Assert.Contains("<html", html, StringComparison.OrdinalIgnoreCase);
            Assert.Contains(text, html, StringComparison.Ordinal);
        }

        // The dashboard's own data comes from the silo's dashboard grains: this silo is in it, once the dashboard has
        // collected its first counters (periodically: on a loaded machine not yet when the test gets here).
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            using var counters = await JsonAsync(silo.Http, DsxWeb.DashboardPath + "/DashboardCounters");
            var hosts = counters.RootElement.GetProperty("hosts").EnumerateArray().ToList();
            if (hosts.Count > 0 || DateTime.UtcNow > deadline)
            {
                Assert.Equal("Active", Assert.Single(hosts).GetProperty("status").GetString());
                break;
            }

            await Task.Delay(200);
        }

        // Bound to loopback only: the port is closed on this host's other addresses.
        Assert.All(silo.Addresses, a => Assert.True(IPAddress.IsLoopback(IPAddress.Parse(new Uri(a).Host)), $"listening on {a}"));
        var port = new Uri(silo.Addresses[0]).Port;
        foreach (var address in NonLoopbackAddresses())
        {
            using var tcp = new TcpClient(address.AddressFamily);
            await Assert.ThrowsAnyAsync<SocketException>(() => tcp.ConnectAsync(address, port));
        }
    }

    [ExecutorFact]
    public async Task A_standalone_silo_serves_its_gateway_and_silo_ports_on_loopback_only()
    {
        await using var silo = await WebSilo.StartAsync(localBoards: 0, apiKey: null);

        foreach (var port in new[] { silo.GatewayPort, silo.SiloPort })
        {
            using (var local = new TcpClient(AddressFamily.InterNetwork))
            {
                await local.ConnectAsync(IPAddress.Loopback, port);
            }

            foreach (var address in NonLoopbackAddresses())
            {
                using var tcp = new TcpClient(address.AddressFamily);
                await Assert.ThrowsAnyAsync<SocketException>(() => tcp.ConnectAsync(address, port));
            }
        }
    }

    private static async Task<JsonDocument> JsonAsync(HttpClient http, string path)
    {
        using var response = await http.GetAsync(new Uri(path, UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync());
    }

    private static async Task<HttpResponseMessage> PostAsync(HttpClient http, string path, string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(path, UriKind.Relative));
        request.Headers.Add("X-Api-Key", key);
        return await http.SendAsync(request);
    }

    private static async Task<ExplorationSummary> WaitAsync(IExplorationGrain grain, TimeSpan limit)
    {
        var until = DateTime.UtcNow + limit;
        while (true)
        {
            var summary = await grain.GetSummaryAsync();
            if (summary.Status is not (ExplorationStatus.Running or ExplorationStatus.Created or ExplorationStatus.Paused))
            {
                return summary;
            }

            Assert.True(DateTime.UtcNow < until, $"exploration still {summary.Status} after {limit}: episode {summary.Episode}");
            await Task.Delay(100);
        }
    }

    private static IEnumerable<IPAddress> NonLoopbackAddresses() =>
        NetworkInterface.GetAllNetworkInterfaces()
            .Where(n => n.OperationalStatus == OperationalStatus.Up && n.NetworkInterfaceType != NetworkInterfaceType.Loopback)
            .SelectMany(n => n.GetIPProperties().UnicastAddresses)
            .Select(a => a.Address)
            .Where(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a));
}
