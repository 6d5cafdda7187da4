namespace Dsx.Search;

/// <summary>
/// The board as the exploration loop sees it: runs plans (in the measurement table's space) and reports what they
/// cost, or their outputs on the calibration set. The seam between the pure loop and a real or simulated board.
/// </summary>
public interface IPlanMeasurer
{
    /// <summary>Measures the plan: per-layer timings and memory, end-to-end latency and peak memory; or the failure.</summary>
    /// <param name="key">Names this request within the exploration (<see cref="MeasurementKeys"/>): asked again under the
    /// same key (a resumed exploration), a measurer that kept the answer may return it, marked <see cref="PlanMeasurement.Replayed"/>.</param>
    Task<PlanMeasurement> MeasureAsync(CandidatePlan plan, string key, CancellationToken cancellationToken);

    /// <summary>Runs the plan on every calibration input and returns its outputs as example rows, in a fixed order.</summary>
    Task<PlanOutputs> RunCalibrationAsync(CandidatePlan plan, string key, CancellationToken cancellationToken);
}
