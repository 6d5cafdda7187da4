using System.Globalization;
using Dsx.Grains;

namespace Dsx.Cli;

/// <summary>
/// Polls an exploration and draws its progress on stderr (a bar rewritten in place on a terminal, a line per change
/// otherwise) until it ends, then prints its report. Ctrl-C stops following, not the exploration.
/// </summary>
internal static class ExplorationFollower
{
    public static async Task<int> FollowAsync(IClusterClient client, string id, CancellationToken cancellationToken)
    {
        var grain = client.GetGrain<IExplorationGrain>(id);
        var started = DateTimeOffset.UtcNow;
        int? startEpisode = null;
        var last = "";
        var terminal = !Console.IsErrorRedirected;
        ExplorationSummary summary;
        while (true)
        {
            summary = await grain.GetSummaryAsync();
            startEpisode ??= summary.Episode;
            var line = ProgressText(summary, started, startEpisode.Value);
            if (line != last)
            {
                await Console.Error.WriteAsync(terminal ? $"\r{line,-100}" : line + "\n");
                last = line;
            }

            if (summary.Status is not (ExplorationStatus.Running or ExplorationStatus.Created))
            {
                break;
            }

            try
            {
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
            }
            catch (OperationCanceledException)
            {
                await Console.Error.WriteLineAsync($"\nstopped following; the exploration goes on ('dsx status {id} --follow')");
                return ExitCodes.Ok;
            }
        }

        if (terminal)
        {
            await Console.Error.WriteLineAsync();
        }

        var report = await grain.GetReportAsync();
        Console.Write(ExplorationText.Report(report));
        return summary.Status == ExplorationStatus.Completed && report.BestPlan.Count > 0 ? ExitCodes.Ok : ExitCodes.Failure;
    }

    /// <summary><c>[#####-----] 20/40 episodes  best 3.210 ms  12 measured, 8 from the table  ETA 1m20s</c></summary>
    public static string ProgressText(ExplorationSummary s, DateTimeOffset started, int startEpisode)
    {
        var total = s.Spec?.Episodes ?? 0;
        var done = Math.Min(s.Episode, total);
        const int Width = 20;
        var filled = total == 0 ? 0 : done * Width / total;
        var text = string.Create(CultureInfo.InvariantCulture,
            $"[{new string('#', filled)}{new string('-', Width - filled)}] {done}/{total} episodes  {s.Status.ToString().ToLowerInvariant()}");
        if (s.BestLatencyMs is { } best)
        {
            text += string.Create(CultureInfo.InvariantCulture, $"  best {best:0.000} ms");
        }

        text += string.Create(CultureInfo.InvariantCulture, $"  {s.BoardMeasurements} measured, {s.TableHits} from the table");
        var elapsed = DateTimeOffset.UtcNow - started;
        if (s.Status == ExplorationStatus.Running && done > startEpisode && done < total)
        {
            var remaining = elapsed / (done - startEpisode) * (total - done);
            text += $"  ETA {ExplorationText.Duration(remaining)}";
        }

        return text;
    }
}
