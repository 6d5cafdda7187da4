namespace Dsx.Search;

/// <summary>What the additive model predicts for a plan: latency (ms), memory (sum of per-layer bytes), objective cost, per-layer ms.</summary>
public sealed record PlanPrediction(double LatencyMs, long MemoryBytes, double Cost, IReadOnlyList<double> LayerMs);
