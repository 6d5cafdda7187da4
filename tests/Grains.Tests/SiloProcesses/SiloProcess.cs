using System.Diagnostics;
using System.Globalization;
using Dsx.BoardHost;
using OsProcess = System.Diagnostics.Process;

namespace Dsx.Grains.Tests.SiloProcesses;

/// <summary>
/// <c>dotnet dsx.dll silo</c> as a child process, the way a user runs it, so that it can be killed for real (a host that
/// dies, not one that shuts down): its output is kept for a failure's message, and disposing it kills it and its
/// executors whatever happened to the test.
/// </summary>
internal sealed class SiloProcess : IAsyncDisposable
{
    /// <summary>What <c>dsx silo</c> prints on stderr once the silo has started (and its start-up task has woken explorations).</summary>
    public const string UpLine = "dsx silo: up";

    private const int TailLines = 200;

    private readonly OsProcess _process;
    private readonly List<string> _lines = [];
    private readonly TaskCompletionSource _up = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private SiloProcess(string name, int siloPort, int gatewayPort, OsProcess process)
    {
        Name = name;
        SiloPort = siloPort;
        GatewayPort = gatewayPort;
        _process = process;
    }

    /// <summary>
    /// The dsx app built beside these tests (Grains.Tests references Cli without its assembly, so it is built first, in
    /// the same configuration): &lt;repo&gt;/Cli/bin/&lt;configuration&gt;/&lt;framework&gt;/dsx.dll; null outside a checkout.
    /// It may not exist: tests that can skip check it first.
    /// </summary>
    public static string? DsxDll { get; } = FindDsxDll();

    /// <summary>The test's name for this silo, for its messages (several silos may run at once).</summary>
    public string Name { get; }

    /// <summary>The port other silos reach this one on: what membership and activation addresses name it by.</summary>
    public int SiloPort { get; }

    public int GatewayPort { get; }

    /// <summary>Everything the silo printed so far, stdout and stderr interleaved as received.</summary>
    public string Output
    {
        get
        {
            lock (_lines)
            {
                return string.Join('\n', _lines);
            }
        }
    }

    /// <summary>
    /// Starts <c>dotnet dsx.dll silo --silo-port P --gateway-port G</c> followed by <paramref name="arguments"/>, with
    /// <paramref name="environment"/> added to this process's, and returns at once: several silos can then come up together.
    /// </summary>
    public static SiloProcess Start(
        string name, int siloPort, int gatewayPort, IEnumerable<string> arguments, IReadOnlyDictionary<string, string> environment)
    {
        var dll = DsxDll is { } path && File.Exists(path)
            ? path
            : throw new FileNotFoundException($"the dsx app is not built: {DsxDll ?? "Cli/bin/<configuration>/<framework>/dsx.dll"} (dotnet build Dsx.sln)", DsxDll);
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[]
        {
            dll, "silo",
            "--silo-port", siloPort.ToString(CultureInfo.InvariantCulture), "--gateway-port", gatewayPort.ToString(CultureInfo.InvariantCulture),
            // A free HTTP port: two silos of one test (or a developer's on 8080) must not fight over the web part's default.
            "--urls", "http://127.0.0.1:0",
        }.Concat(arguments))
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (variable, value) in environment)
        {
            start.Environment[variable] = value;
        }

        var process = new OsProcess { StartInfo = start, EnableRaisingEvents = true };
        var silo = new SiloProcess(name, siloPort, gatewayPort, process);
        process.OutputDataReceived += (_, e) => silo.Keep(e.Data);
        process.ErrorDataReceived += (_, e) => silo.Keep(e.Data);
        process.Exited += (_, _) => silo._up.TrySetException(new InvalidOperationException("it exited before it was up"));
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return silo;
    }

    /// <summary><see cref="Start"/> and <see cref="WaitUntilUpAsync"/>; a silo that does not come up is killed before the exception.</summary>
    public static async Task<SiloProcess> StartAsync(
        string name, int siloPort, int gatewayPort, IEnumerable<string> arguments, IReadOnlyDictionary<string, string> environment, TimeSpan timeout)
    {
        var silo = Start(name, siloPort, gatewayPort, arguments, environment);
        try
        {
            await silo.WaitUntilUpAsync(timeout);
            return silo;
        }
        catch
        {
            await silo.DisposeAsync();
            throw;
        }
    }

    /// <summary>Until the silo prints <see cref="UpLine"/>; throws with its last output if it exits first or takes longer than <paramref name="timeout"/>.</summary>
    public async Task WaitUntilUpAsync(TimeSpan timeout)
    {
        try
        {
            await _up.Task.WaitAsync(timeout);
        }
        catch (Exception e) when (e is TimeoutException or InvalidOperationException)
        {
            throw new InvalidOperationException($"silo {Name} did not come up within {timeout.TotalSeconds:0} s ({e.Message}); its output:\n{Tail()}", e);
        }
    }

    /// <summary>Whether the silo printed a line containing <paramref name="text"/> (stdout or stderr).</summary>
    public bool Printed(string text)
    {
        lock (_lines)
        {
            return _lines.Any(l => l.Contains(text, StringComparison.Ordinal));
        }
    }

    /// <summary>The silo's last lines of output, for a failure's message that should not drown the rest.</summary>
    public string Tail()
    {
        lock (_lines)
        {
            return string.Join('\n', _lines.TakeLast(TailLines));
        }
    }

    /// <summary>Until the silo exits by itself (one that refuses to start); its exit code. Throws with its output after <paramref name="timeout"/>.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        try
        {
            await _process.WaitForExitAsync().WaitAsync(timeout);
        }
        catch (TimeoutException e)
        {
            throw new InvalidOperationException($"silo {Name} did not exit within {timeout.TotalSeconds:0} s; its output:\n{Tail()}", e);
        }

        // The asynchronous readers may still be handing over the last lines: this wait drains them.
        _process.WaitForExit();
        return _process.ExitCode;
    }

    /// <summary>
    /// SIGKILL to the silo and every process it started (.NET's Process.Kill sends SIGKILL on Linux; the whole tree
    /// includes the board executors): no shutdown code runs and no graceful leave, like a power cut of the host; the
    /// other silos must find out. Returns the silo's exit code.
    /// </summary>
    public async Task<int> KillAsync()
    {
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        return _process.ExitCode;
    }

    /// <summary>SIGKILL to the silo only, not what it started: what a crash or the OOM killer does.</summary>
    public async Task KillAloneAsync()
    {
        _process.Kill(entireProcessTree: false);
        await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                await KillAsync();
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

    private static string? FindDsxDll()
    {
        var output = new DirectoryInfo(AppContext.BaseDirectory);
        var framework = output.Name;
        var configuration = output.Parent?.Name;
        return configuration is not null && ExecutorLocator.FindRepositoryRoot(AppContext.BaseDirectory) is { } root
            ? Path.Combine(root, "Cli", "bin", configuration, framework, "dsx.dll")
            : null;
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
