using System.Diagnostics;
using System.Globalization;
using Dsx.BoardHost;
using OsProcess = System.Diagnostics.Process;

namespace Dsx.Grains.Tests.SiloProcesses;

/// <summary>
/// <c>dotnet dsx.dll silo</c> as a child process, the way a user runs it, so that it can be killed for real: its
/// output is kept (the last lines, for a failure's message), and disposing it kills it and its executors whatever
/// happened to the test.
/// </summary>
internal sealed class SiloProcess : IAsyncDisposable
{
    /// <summary>What <c>dsx silo</c> prints on stderr once the silo has started (and its start-up task has woken explorations).</summary>
    public const string UpLine = "dsx silo: up";

    private const int TailLines = 200;

    private readonly OsProcess _process;
    private readonly List<string> _lines = [];
    private readonly TaskCompletionSource _up = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private SiloProcess(OsProcess process) => _process = process;

    public int Id => _process.Id;

    /// <summary>Starts a silo on the database and ports with two local boards on the executor, and waits for its up line.</summary>
    public static async Task<SiloProcess> StartAsync(string database, int siloPort, int gatewayPort, string executor, TimeSpan timeout)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[]
        {
            DsxDll(), "silo", "--db", database, "--local-boards", "2",
            "--silo-port", siloPort.ToString(CultureInfo.InvariantCulture), "--gateway-port", gatewayPort.ToString(CultureInfo.InvariantCulture),
            // Information logs name what the silo did ("exploration X: resuming"); the test reads them.
            "--verbose",
        })
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment[ExecutorLocator.EnvironmentVariable] = executor;
        var process = new OsProcess { StartInfo = start, EnableRaisingEvents = true };
        var silo = new SiloProcess(process);
        process.OutputDataReceived += (_, e) => silo.Keep(e.Data);
        process.ErrorDataReceived += (_, e) => silo.Keep(e.Data);
        process.Exited += (_, _) => silo._up.TrySetException(new InvalidOperationException("the silo exited before it was up"));
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await silo._up.Task.WaitAsync(timeout);
        }
        catch (Exception e) when (e is TimeoutException or InvalidOperationException)
        {
            var tail = silo.Tail();
            await silo.DisposeAsync();
            throw new InvalidOperationException($"dsx silo did not come up within {timeout.TotalSeconds:0} s ({e.Message}); its output:\n{tail}", e);
        }

        return silo;
    }

    /// <summary>Whether the silo printed a line containing <paramref name="text"/> (stdout or stderr).</summary>
    public bool Printed(string text)
    {
        lock (_lines)
        {
            return _lines.Any(l => l.Contains(text, StringComparison.Ordinal));
        }
    }

    /// <summary>The silo's last lines of output, for a failure's message.</summary>
    public string Tail()
    {
        lock (_lines)
        {
            return string.Join('\n', _lines.TakeLast(TailLines));
        }
    }

    /// <summary>
    /// SIGKILL to the silo and every process it started (.NET's Process.Kill sends SIGKILL on Linux; the whole tree
    /// includes the board executors): no shutdown code runs, like a power cut of the host. Returns the silo's exit code.
    /// </summary>
    public async Task<int> KillAsync()
    {
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
            }
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException or System.ComponentModel.Win32Exception)
        {
            // Never started, already gone, or stuck in the kernel: nothing more a test can do about it.
        }
        finally
        {
            _process.Dispose();
        }
    }

    /// <summary>
    /// The dsx app built beside these tests (Grains.Tests references Cli without its assembly, so it is built first, in
    /// the same configuration): &lt;repo&gt;/Cli/bin/&lt;configuration&gt;/&lt;framework&gt;/dsx.dll.
    /// </summary>
    private static string DsxDll()
    {
        var output = new DirectoryInfo(AppContext.BaseDirectory);
        var framework = output.Name;
        var configuration = output.Parent!.Name;
        var root = ExecutorLocator.FindRepositoryRoot(AppContext.BaseDirectory)
            ?? throw new InvalidOperationException($"no folder above {AppContext.BaseDirectory} holds Dsx.sln");
        var dll = Path.Combine(root, "Cli", "bin", configuration, framework, "dsx.dll");
        return File.Exists(dll) ? dll : throw new FileNotFoundException($"the dsx app is not built: {dll} (dotnet build Dsx.sln -c {configuration})", dll);
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_lines)
        {
            _lines.Add(line);
        }

        if (line.Contains(UpLine, StringComparison.Ordinal))
        {
            _up.TrySetResult();
        }
    }
}
