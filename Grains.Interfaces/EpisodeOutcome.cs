namespace Dsx.Grains;

/// <summary>
/// What a board measurement gave: the executor's reply (a serialised wire <c>MeasureReply</c>) or the failure (layer
/// and detail), calibration outputs as rows, the board that measured it, and whether this is an answer kept from an
/// earlier identical request that the measurement store already holds.
/// </summary>
[GenerateSerializer, Immutable, Alias("Dsx.EpisodeOutcome")]
public sealed record EpisodeOutcome(
    [property: Id(0)] byte[]? Reply,
    [property: Id(1)] string? FailedLayer,
    [property: Id(2)] string? Failure,
    [property: Id(3)] float[][]? Outputs,
    [property: Id(4)] string BoardId,
    [property: Id(5)] bool Replayed)
{
    public bool Succeeded => Failure is null;
}
