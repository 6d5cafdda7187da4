namespace Dsx.Grains;

/// <summary>
/// What one episode observed, for the learner: the plan (choice per layer), per-layer costs, the total, the failed layer
/// if any, and the episode's number (so an episode observed again after a crash is learned once).
/// </summary>
[GenerateSerializer, Immutable, Alias("Dsx.EpisodeObservation")]
public sealed record EpisodeObservation(
    [property: Id(0)] int[] Plan,
    [property: Id(1)] double[] LayerCosts,
    [property: Id(2)] double TotalCost,
    [property: Id(3)] int? FailedLayer,
    [property: Id(4)] int Episode);
