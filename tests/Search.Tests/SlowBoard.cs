namespace Dsx.Search.Tests;

/// <summary>A board that takes a moment per measurement and remembers how many it was asked to run at once.</summary>
internal sealed class SlowBoard(IPlanMeasurer board) : IPlanMeasurer
{
    private int _inFlight;

    public int MostAtOnce { get; private set; }

    public async Task<PlanMeasurement> MeasureAsync(CandidatePlan plan, string key, CancellationToken cancellationToken)
    {
        MostAtOnce = Math.Max(MostAtOnce, Interlocked.Increment(ref _inFlight));
        try
        {
            await Task.Delay(20, cancellationToken);
            return await board.MeasureAsync(plan, key, cancellationToken);
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }

    public Task<PlanOutputs> RunCalibrationAsync(CandidatePlan plan, string key, CancellationToken cancellationToken) =>
        board.RunCalibrationAsync(plan, key, cancellationToken);
}
