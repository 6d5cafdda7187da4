namespace Dsx.Grains;

/// <summary>
/// An exploration at a glance: its spec, state, progress (episodes done of the budget, table hits, board measurements,
/// failures), the best confirmed latency so far and the baseline's once measured, the best cost after each episode and
/// each episode's own cost (the convergence curve; null where unknown), and the reason when it failed.
/// </summary>
[GenerateSerializer, Immutable, Alias("Dsx.ExplorationSummary")]
public sealed record ExplorationSummary(
    [property: Id(0)] string Id,
    [property: Id(1)] ExplorationSpec? Spec,
    [property: Id(2)] ExplorationStatus Status,
    [property: Id(3)] int Episode,
    [property: Id(4)] int TableHits,
    [property: Id(5)] int BoardMeasurements,
    [property: Id(6)] int Failures,
    [property: Id(7)] double? BestLatencyMs,
    [property: Id(8)] double? BaselineLatencyMs,
    [property: Id(9)] IReadOnlyList<double?> BestCostByEpisode,
    [property: Id(10)] string? Error,
    [property: Id(11)] DateTimeOffset CreatedAt,
    [property: Id(12)] DateTimeOffset UpdatedAt,
    [property: Id(13)] IReadOnlyList<double?> EpisodeCostByEpisode);
