namespace Dsx.Grains;

/// <summary>An episode's outcome as persisted, with the plan it measured (a request for another plan under the same key is a new measurement).</summary>
[GenerateSerializer, Immutable]
public sealed record KeptOutcome([property: Id(0)] int[] Plan, [property: Id(1)] EpisodeOutcome Outcome);
