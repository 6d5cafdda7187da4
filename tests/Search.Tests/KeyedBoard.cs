namespace Dsx.Search.Tests;

/// <summary>
/// A board that keeps its answers by measurement key, as the cluster's episode grains do, and can be made to "crash"
/// (throw, as a killed silo stops the loop) before its N-th real measurement. Counts the real measurements per key.
/// </summary>
internal sealed class KeyedBoard(IPlanMeasurer board) : IPlanMeasurer
{
    private readonly Dictionary<string, PlanMeasurement> _answers = [];

    public Dictionary<string, int> RealMeasurements { get; } = [];

    public int? CrashBefore { get; set; }

    public async Task<PlanMeasurement> MeasureAsync(CandidatePlan plan, string key, CancellationToken cancellationToken)
    {
        if (_answers.TryGetValue(key, out var kept))
        {
            return kept with { Replayed = true };
        }

        if (RealMeasurements.Values.Sum() == CrashBefore)
        {
            throw new OperationCanceledException("the silo was killed");
        }

        var measurement = await board.MeasureAsync(plan, key, cancellationToken);
        RealMeasurements[key] = RealMeasurements.GetValueOrDefault(key) + 1;
        _answers[key] = measurement;
        return measurement;
    }

    public Task<PlanOutputs> RunCalibrationAsync(CandidatePlan plan, string key, CancellationToken cancellationToken) =>
        board.RunCalibrationAsync(plan, key, cancellationToken);
}
