namespace Dsx.Grains;

/// <summary>
/// An episode's outcome as persisted, with the plan it measured (a request for another plan under the same key is a new
/// measurement) and the table's prediction for it, so the outcome can still be recorded into the store after a crash.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record KeptOutcome([property: Id(0)] int[] Plan, [property: Id(1)] EpisodeOutcome Outcome, [property: Id(2)] double? PredictedMs = null);
