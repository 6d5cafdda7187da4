using System.Runtime.InteropServices;
using Dsx.BoardHost;
using Dsx.Search;

namespace Dsx.Cli;

/// <summary>
/// The exploration loop's board (<see cref="IPlanMeasurer"/>) over the local executor: timings with the given warm-up
/// and repeats; calibration runs feed each calibration input once and read back the graph's first output, split
/// into example rows along its batch dimension.
/// </summary>
internal sealed class BoardPlanMeasurer(LocalBoard board, MeasureOptions timing, CalibrationSet calibration, string outputName) : IPlanMeasurer
{
    public async Task<PlanMeasurement> MeasureAsync(CandidatePlan plan, string key, CancellationToken cancellationToken)
    {
        var outcome = await board.Session.MeasureAsync(board.ModelHash, board.Space.ToWirePlan(plan), timing, cancellationToken);
        return outcome.Succeeded ? PlanMeasurement.Success(outcome.Reply) : PlanMeasurement.Failed(Failure(outcome.Failure));
    }

    public async Task<PlanOutputs> RunCalibrationAsync(CandidatePlan plan, string key, CancellationToken cancellationToken)
    {
        var wire = board.Space.ToWirePlan(plan);
        var rows = new List<float[]>();
        foreach (var inputs in calibration.Inputs)
        {
            var options = new MeasureOptions(Warmup: 0, Repeats: 1, ReturnOutputs: true, Inputs: inputs);
            var outcome = await board.Session.MeasureAsync(board.ModelHash, wire, options, cancellationToken);
            if (!outcome.Succeeded)
            {
                return PlanOutputs.Failed(Failure(outcome.Failure));
            }

            var output = outcome.Reply.Outputs.FirstOrDefault(t => t.Name == outputName)
                ?? throw new IOException($"the executor returned no output '{outputName}' for a calibration run");
            rows.AddRange(AccuracyGuard.Rows(MemoryMarshal.Cast<byte, float>(output.FloatData.Span), output.Dims));
        }

        // The number of classes is known only now: labels beyond it are a mistake in the calibration folder.
        calibration.CheckLabels(rows[0].Length);
        return PlanOutputs.Success(rows);
    }

    /// <summary>The failure's first line: the executor's stderr tail is for a human reading one failure, not for a loop's report.</summary>
    private static PlanFailure Failure(MeasurementFailure failure) => new(failure.Layer, failure.ToString().Split('\n')[0]);
}
