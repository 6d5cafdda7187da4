using System.Diagnostics;

namespace Dsx.Grains.Tests.SiloProcesses;

/// <summary>One <c>dotnet dsx.dll VERB ...</c> run to its end, as a user types it (<c>dsx store check</c>, <c>dsx status</c>).</summary>
internal static class DsxCommand
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr);

    public static async Task<Result> RunAsync(IEnumerable<string> arguments, TimeSpan timeout)
    {
        var dll = SiloProcess.DsxDll is { } path && File.Exists(path)
            ? path
            : throw new FileNotFoundException($"the dsx app is not built: {SiloProcess.DsxDll} (dotnet build Dsx.sln)", SiloProcess.DsxDll);
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments.Prepend(dll))
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start dotnet");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            await process.WaitForExitAsync().WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"dsx {string.Join(' ', start.ArgumentList.Skip(1))} did not finish within {timeout.TotalSeconds:0} s");
        }

        return new Result(process.ExitCode, await stdout, await stderr);
    }
}
