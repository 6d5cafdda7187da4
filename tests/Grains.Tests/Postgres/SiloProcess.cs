using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Dsx.Grains.Tests.Postgres;

/// <summary>
/// One <c>dotnet dsx.dll silo</c> process with its output kept for the failure message. Kill is SIGKILL, no shutdown:
/// a host that dies. Dispose kills whatever is left of it, executors included.
/// </summary>
internal sealed class SiloProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly TaskCompletionSource _up = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private SiloProcess(string name, int siloPort, int gatewayPort, Process process)
    {
        Name = name;
        SiloPort = siloPort;
        GatewayPort = gatewayPort;
        _process = process;
    }

    public string Name { get; }

    public int SiloPort { get; }

    public int GatewayPort { get; }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public static SiloProcess Start(string name, string cluster, string clusterId, int siloPort, int gatewayPort, string executor, TimeSpan failureDetection)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[]
        {
            PostgresAvailability.CliPath!, "silo", "--cluster", cluster, "--cluster-id", clusterId, "--address", "127.0.0.1",
            "--silo-port", siloPort.ToString(CultureInfo.InvariantCulture), "--gateway-port", gatewayPort.ToString(CultureInfo.InvariantCulture),
            "--failure-detection", failureDetection.TotalSeconds.ToString(CultureInfo.InvariantCulture), "--local-boards", "1",
        })
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["DSX_EXECUTOR"] = executor;
        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var silo = new SiloProcess(name, siloPort, gatewayPort, process);
        process.OutputDataReceived += (_, e) => silo.Append(e.Data);
        process.ErrorDataReceived += (_, e) => silo.Append(e.Data);
        process.Exited += (_, _) => silo._up.TrySetException(new InvalidOperationException($"silo {name} exited before it was up:\n{silo.Output}"));
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return silo;
    }

    /// <summary>Until the silo says it is up; throws with its output if it exits first or takes longer than <paramref name="timeout"/>.</summary>
    public async Task WaitUntilUpAsync(TimeSpan timeout)
    {
        try
        {
            await _up.Task.WaitAsync(timeout);
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"silo {Name} not up after {timeout.TotalSeconds} s:\n{Output}", e);
        }
    }

    /// <summary>SIGKILL to the silo and the executors it started: no graceful leave, the others must find out.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }
    }

    public void Dispose()
    {
        try
        {
            Kill();
        }
        catch (InvalidOperationException)
        {
            // Never started or already reaped.
        }

        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }

        if (line.StartsWith("dsx silo: up", StringComparison.Ordinal))
        {
            _up.TrySetResult();
        }
    }
}
