namespace Dsx.Search;

/// <summary>
/// A plan measured end-to-end on the board (in the table's space): its latency (median over its measurements of each
/// measurement's end-to-end median), peak memory, its cost under the objective, and what the additive model predicted
/// before the plan was first measured (null when the table could not yet predict it).
/// </summary>
public sealed record ConfirmedPlan(CandidatePlan Plan, double LatencyMs, long PeakBytes, double Cost, double? PredictedMs, int Measurements, bool UsesInt8)
{
    /// <summary>(predicted - measured) / measured; null without a prediction.</summary>
    public double? PredictionError => PredictedMs is { } predicted && LatencyMs > 0 ? (predicted - LatencyMs) / LatencyMs : null;
}
