namespace Dsx.Grains;

/// <summary>
/// A finished (or running) exploration's result: the best confirmed plan per layer, its latency and peak memory beside
/// the BLAS baseline's, the accuracy verdict, the Pareto front of the plans measured end to end, and the best plan as a
/// plan file (<c>dsx run --plan</c>). Per layer of the network (in the order of <see cref="BestPlan"/>'s layers when there is
/// one), the median milliseconds (compute plus input conversion) of the best plan and of the baseline, for the
/// per-layer breakdown; null where a layer's time is not known.
/// </summary>
[GenerateSerializer, Immutable, Alias("Dsx.ExplorationReport")]
public sealed record ExplorationReport(
    [property: Id(0)] ExplorationSummary Summary,
    [property: Id(1)] IReadOnlyList<PlanLayer> BestPlan,
    [property: Id(2)] long? BestPeakBytes,
    [property: Id(3)] long? BaselinePeakBytes,
    [property: Id(4)] string? AccuracyVerdict,
    [property: Id(5)] IReadOnlyList<ParetoPoint> ParetoFront,
    [property: Id(6)] string? BestPlanJson,
    [property: Id(7)] IReadOnlyList<string> LayerNames,
    [property: Id(8)] IReadOnlyList<double?> BestLayerMs,
    [property: Id(9)] IReadOnlyList<double?> BaselineLayerMs);
