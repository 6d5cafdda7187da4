using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using Dsx.BoardHost;

namespace Dsx.Cli;

/// <summary>
/// The one <c>dsx replay-executor --listen</c> process behind a silo's <c>--replay-boards</c>: each replay board is a
/// TCP connection to it (launch <c>tcp</c>), through the same executor connection, session and board grain as a real
/// board's, instead of a .NET process per board. Stopped with the silo, and stops by itself when the silo is gone.
/// </summary>
internal sealed class ReplayHost : IAsyncDisposable
{
    private static readonly TimeSpan StartLimit = TimeSpan.FromSeconds(60);

    private readonly Process _process;

    private ReplayHost(Process process, ExecutorEndpoint endpoint)
    {
        _process = process;
        Endpoint = endpoint;
    }

    public ExecutorEndpoint Endpoint { get; }

    /// <exception cref="IOException">The host did not start or say where it listens.</exception>
    public static async Task<ReplayHost> StartAsync(string table, double? timeScale, IPAddress address, CancellationToken cancellationToken)
    {
        var token = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
        // Its stdin is a pipe this process holds: if the silo dies, even killed, the pipe closes and the host stops.
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardInput = true, UseShellExecute = false };
        foreach (var argument in new[]
        {
            Path.Combine(AppContext.BaseDirectory, "dsx.dll"), "replay-executor", "--table", table, "--listen", $"{address}:0", "--token", token, "--until-stdin-closes",
        })
        {
            start.ArgumentList.Add(argument);
        }

        if (timeScale is { } scale)
        {
            start.ArgumentList.Add("--time-scale");
            start.ArgumentList.Add(scale.ToString("R", CultureInfo.InvariantCulture));
        }

        var process = Process.Start(start) ?? throw new IOException("the replay boards' host (dsx replay-executor --listen) did not start");
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(StartLimit);
        string? line;
        try
        {
            line = await process.StandardOutput.ReadLineAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            line = null;
        }

        if (line is null || !line.StartsWith(ReplayExecutorCommand.ListeningPrefix, StringComparison.Ordinal)
            || !IPEndPoint.TryParse(line[ReplayExecutorCommand.ListeningPrefix.Length..], out var listening))
        {
            process.Kill();
            await process.WaitForExitAsync(CancellationToken.None);
            process.Dispose();
            throw new IOException($"the replay boards' host (dsx replay-executor --listen) did not say where it listens{(line is null ? "" : $"; it said: {line}")}");
        }

        return new ReplayHost(process, new ExecutorEndpoint(listening.Address.ToString(), listening.Port, token));
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }
}
