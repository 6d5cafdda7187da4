using System.Globalization;
using Dsx.Search;

namespace Dsx.Cli;

/// <summary>Exploration progress as lines on stderr: one per episode, and one per event (failure, confirmation, verdict).</summary>
internal sealed class StderrProgress : IProgress<ExplorationProgress>
{
    public void Report(ExplorationProgress value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.Note is { } note)
        {
            Console.Error.WriteLine($"  {note}");
            return;
        }

        var best = value.Best is { } b ? string.Create(CultureInfo.InvariantCulture, $"{b.LatencyMs:0.00} ms") : "none yet";
        Console.Error.WriteLine(
            $"[{value.Episode}/{value.Episodes}] best confirmed {best} | table hits {value.TableHits}, board measurements {value.BoardMeasurements}, failures {value.Failures}");
    }
}
