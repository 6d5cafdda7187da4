using System.Diagnostics;
using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Dsx.Model;

namespace Dsx.BoardHost.Tests;

/// <summary>Against a real dsx-executor started by the test with <c>--listen 127.0.0.1:0 --token</c>, reached over TCP.</summary>
public sealed partial class TcpExecutorTests
{
    private const string Token = "s3cret";
    private static readonly ExecutorOptions Options = ExecutorOptions.Default with { RequestTimeout = TimeSpan.FromMinutes(2) };

    [ExecutorFact]
    public async Task The_right_token_handshakes_loads_and_measures_tiny_cnn()
    {
        await using var listener = await ListeningExecutor.StartAsync(Token);
        await using var executor = await ExecutorProcess.StartAsync(ExecutorLaunch.Tcp("127.0.0.1", listener.Port, Token), Options);
        var graph = ModelZoo.Build("tiny_cnn");

        var loaded = await executor.LoadModelAsync(graph);
        var measured = await executor.MeasureAsync(loaded.Hash, PlanFactory.Baseline(graph), new MeasureOptions(Warmup: 1, Repeats: 3));

        Assert.NotNull(executor.Capabilities);
        Assert.True(executor.Capabilities.Cores > 0, $"cores = {executor.Capabilities.Cores}");
        Assert.Null(executor.ProcessId);
        Assert.Equal(ModelHash.Of(graph), loaded.Hash);
        Assert.Equal(graph.Nodes.Select(n => n.Name).Order(), measured.Layers.Select(l => l.Name).Order());
        Assert.True(measured.EndToEnd.MinMs > 0);
    }

    [ExecutorFact]
    public async Task A_wrong_token_is_a_typed_unauthorized_error_and_the_listener_serves_the_next_client()
    {
        await using var listener = await ListeningExecutor.StartAsync(Token);
        var launch = ExecutorLaunch.Tcp("127.0.0.1", listener.Port, "not-the-token");

        var error = await Assert.ThrowsAsync<ExecutorUnauthorizedException>(() => ExecutorProcess.StartAsync(launch, Options));

        Assert.Contains($"127.0.0.1:{listener.Port}", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("not-the-token", error.Message, StringComparison.Ordinal);
        await using var executor = await ExecutorProcess.StartAsync(ExecutorLaunch.Tcp("127.0.0.1", listener.Port, Token), Options);
        await executor.PingAsync();
    }

    [ExecutorFact]
    public async Task A_session_over_tcp_loads_and_measures()
    {
        await using var listener = await ListeningExecutor.StartAsync(Token);
        await using var session = await BoardSession.StartAsync(ExecutorLaunch.Tcp("127.0.0.1", listener.Port, Token), Options);
        var graph = ModelZoo.Build("tiny_cnn");

        var loaded = await session.LoadModelAsync(graph);
        var outcome = await session.MeasureAsync(loaded.Hash, PlanFactory.Baseline(graph), new MeasureOptions(Warmup: 1, Repeats: 2));

        Assert.True(outcome.Succeeded, outcome.Failure?.ToString());
        Assert.Null(session.ProcessId);
        Assert.Equal(0, session.Restarts);
    }

    [ExecutorFact]
    public async Task A_listener_that_dies_is_reported_as_connection_lost()
    {
        await using var listener = await ListeningExecutor.StartAsync(Token);
        await using var executor = await ExecutorProcess.StartAsync(ExecutorLaunch.Tcp("127.0.0.1", listener.Port, Token), Options);

        await listener.KillAsync();
        var error = await Assert.ThrowsAsync<ExecutorFailureException>(() => executor.PingAsync());

        Assert.Equal(ExecutorFailureKind.ConnectionLost, error.Failure.Kind);
        Assert.True(executor.HasExited);
    }

    [ExecutorFact]
    public async Task Without_a_host_it_listens_on_loopback_only()
    {
        await using var listener = await ListeningExecutor.StartAsync(Token, listen: "0");

        Assert.Equal("127.0.0.1", listener.Host);
        await using (var executor = await ExecutorProcess.StartAsync(ExecutorLaunch.Tcp("127.0.0.1", listener.Port, Token), Options))
        {
            await executor.PingAsync();
        }

        foreach (var address in NetworkInterface.GetAllNetworkInterfaces()
            .SelectMany(n => n.GetIPProperties().UnicastAddresses).Select(a => a.Address)
            .Where(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a)))
        {
            using var tcp = new TcpClient(address.AddressFamily);
            await Assert.ThrowsAnyAsync<SocketException>(() => tcp.ConnectAsync(address, listener.Port));
        }
    }

    [ExecutorFact]
    public async Task Listening_without_a_token_is_refused()
    {
        var start = new ProcessStartInfo(ExecutorLocator.Locate()) { RedirectStandardError = true, RedirectStandardOutput = true };
        start.ArgumentList.Add("--listen");
        start.ArgumentList.Add("127.0.0.1:0");
        start.Environment.Remove("DSX_EXECUTOR_TOKEN");
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(2, process.ExitCode);
        Assert.Contains("--listen needs --token", await stderr, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"listening on ([^:\s]+):(\d+)")]
    private static partial Regex ListeningLine();

    /// <summary>dsx-executor --listen as a child process of the test; killed on disposal.</summary>
    private sealed class ListeningExecutor : IAsyncDisposable
    {
        private readonly Process _process;

        private ListeningExecutor(Process process, string host, int port)
        {
            _process = process;
            Host = host;
            Port = port;
        }

        /// <summary>The address it says it listens on.</summary>
        public string Host { get; }

        public int Port { get; }

        /// <param name="listen">The --listen value, [HOST:]PORT.</param>
        public static async Task<ListeningExecutor> StartAsync(string token, string listen = "127.0.0.1:0")
        {
            var startInfo = new ProcessStartInfo(ExecutorLocator.Locate())
            {
                RedirectStandardError = true,
                RedirectStandardOutput = true,
                UseShellExecute = false,
            };
            foreach (var argument in new[] { "--listen", listen, "--token", token })
            {
                startInfo.ArgumentList.Add(argument);
            }

            var process = Process.Start(startInfo) ?? throw new InvalidOperationException("dsx-executor did not start");
            var stderr = new List<string>();
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                while (await process.StandardError.ReadLineAsync(timeout.Token) is { } line)
                {
                    stderr.Add(line);
                    if (ListeningLine().Match(line) is { Success: true } match)
                    {
                        // Keep draining stderr so the listener never blocks on a full pipe.
                        _ = process.StandardError.ReadToEndAsync();
                        _ = process.StandardOutput.ReadToEndAsync();
                        return new ListeningExecutor(process, match.Groups[1].Value, int.Parse(match.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture));
                    }
                }

                throw new InvalidOperationException($"dsx-executor --listen never said where it listens:\n{string.Join('\n', stderr)}");
            }
            catch
            {
                process.Kill(entireProcessTree: true);
                process.Dispose();
                throw;
            }
        }

        public async Task KillAsync()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }

            await _process.WaitForExitAsync();
        }

        public async ValueTask DisposeAsync()
        {
            await KillAsync();
            _process.Dispose();
        }
    }
}
