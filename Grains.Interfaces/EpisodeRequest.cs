namespace Dsx.Grains;

/// <summary>
/// One board measurement of an exploration: the plan (a serialised wire <c>Plan</c>, and its choice indices for the
/// store), where (board kind, model), how (warm-up, repeats, seed), and, for a calibration run, how many seeded
/// calibration inputs to run instead of timing it.
/// </summary>
[GenerateSerializer, Immutable, Alias("Dsx.EpisodeRequest")]
public sealed record EpisodeRequest(
    [property: Id(0)] string ExplorationId,
    [property: Id(1)] string BoardKind,
    [property: Id(2)] string ModelHash,
    [property: Id(3)] string StoreKey,
    [property: Id(4)] int[] Plan,
    [property: Id(5)] byte[] WirePlan,
    [property: Id(6)] int Warmup,
    [property: Id(7)] int Repeats,
    [property: Id(8)] ulong Seed,
    [property: Id(9)] double? PredictedMs,
    [property: Id(10)] int CalibrationInputs);
