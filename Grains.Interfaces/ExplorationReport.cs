namespace Dsx.Grains;

/// <summary>
/// A finished (or running) exploration's result: the best confirmed plan per layer, its latency and peak memory beside
/// the BLAS baseline's, the accuracy verdict, the Pareto front of the plans measured end to end, and the best plan as a
/// plan file (<c>dsx run --plan</c>).
/// </summary>
[GenerateSerializer, Immutable, Alias("Dsx.ExplorationReport")]
public sealed record ExplorationReport(
    [property: Id(0)] ExplorationSummary Summary,
    [property: Id(1)] IReadOnlyList<PlanLayer> BestPlan,
    [property: Id(2)] long? BestPeakBytes,
    [property: Id(3)] long? BaselinePeakBytes,
    [property: Id(4)] string? AccuracyVerdict,
    [property: Id(5)] IReadOnlyList<ParetoPoint> ParetoFront,
    [property: Id(6)] string? BestPlanJson);
