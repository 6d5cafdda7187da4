using System.Diagnostics;

namespace Dsx.Grains.Tests.SiloProcesses;

/// <summary>Polling an exploration from a test, bounded in time.</summary>
internal static class ExplorationWait
{
    /// <summary>
    /// Polls the summary until <paramref name="done"/>, a failure or a cancellation (returned for the caller to judge), or
    /// the timeout, which fails the test with the summary and <paramref name="context"/> (say, the silo's last output).
    /// </summary>
    public static async Task<ExplorationSummary> UntilAsync(
        IExplorationGrain exploration, Func<ExplorationSummary, bool> done, TimeSpan timeout, Func<string> context)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var summary = await exploration.GetSummaryAsync();
            if (done(summary) || summary.Status is ExplorationStatus.Failed or ExplorationStatus.Cancelled)
            {
                return summary;
            }

            if (clock.Elapsed > timeout)
            {
                Assert.Fail($"after {timeout.TotalSeconds:0} s the exploration is {summary.Status} at episode {summary.Episode}: {summary.Error}\n{context()}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100));
        }
    }
}
