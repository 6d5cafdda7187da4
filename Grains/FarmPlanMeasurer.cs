using Dsx.Search;
using Dsx.Wire;
using Google.Protobuf;

namespace Dsx.Grains;

/// <summary>
/// The exploration loop's board: each measurement is the episode grain <c>explorationId/key</c>, which leases a board
/// of the kind from the farm and keeps its outcome, so a resumed exploration's repeated request is answered without the board.
/// </summary>
internal sealed class FarmPlanMeasurer(IGrainFactory grains, string explorationId, ExplorationSpec spec, string storeKey, MeasurementTable table)
    : IPlanMeasurer
{
    public async Task<PlanMeasurement> MeasureAsync(CandidatePlan plan, string key, CancellationToken cancellationToken)
    {
        var predicted = new AdditiveCostModel(table).Predict(plan).LatencyMs;
        var outcome = await RunAsync(plan, key, double.IsFinite(predicted) ? predicted : null, 0);
        var measurement = outcome.Reply is { } reply
            ? PlanMeasurement.Success(MeasureReply.Parser.ParseFrom(reply))
            : PlanMeasurement.Failed(new PlanFailure(outcome.FailedLayer ?? "", outcome.Failure ?? "failed"));
        return measurement with { Replayed = outcome.Replayed };
    }

    public async Task<PlanOutputs> RunCalibrationAsync(CandidatePlan plan, string key, CancellationToken cancellationToken)
    {
        var outcome = await RunAsync(plan, key, null, spec.CalibrationSize);
        return outcome.Outputs is { } rows
            ? PlanOutputs.Success(rows)
            : PlanOutputs.Failed(new PlanFailure(outcome.FailedLayer ?? "", outcome.Failure ?? "no outputs"));
    }

    private Task<EpisodeOutcome> RunAsync(CandidatePlan plan, string key, double? predictedMs, int calibrationInputs) =>
        grains.GetGrain<IEpisodeGrain>($"{explorationId}/{key}").RunAsync(new EpisodeRequest(
            explorationId,
            spec.BoardKind,
            spec.ModelHash,
            storeKey,
            [.. plan.Choices],
            table.Space.ToWirePlan(plan).ToByteArray(),
            spec.Warmup,
            spec.Repeats,
            spec.Seed,
            predictedMs,
            calibrationInputs));
}
