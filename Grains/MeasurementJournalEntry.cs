namespace Dsx.Grains;

/// <summary>
/// One change to a measurement store since its last snapshot: a measurement under its request key (<see cref="Reply"/>
/// set), or a choice found failing in a layer (<see cref="FailedLayer"/> set, no key).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record MeasurementJournalEntry(
    [property: Id(0)] string? RequestKey,
    [property: Id(1)] int[] Plan,
    [property: Id(2)] byte[]? Reply,
    [property: Id(3)] double? PredictedMs,
    [property: Id(4)] long UnixMs,
    [property: Id(5)] string? FailedLayer,
    [property: Id(6)] string? Detail);
