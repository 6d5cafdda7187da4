namespace Dsx.Grains;

/// <summary>
/// What to explore: a model already uploaded to its <see cref="IModelGrain"/> (by hash), the board kind to measure on,
/// the strategy and its budget, the objective (<c>latency</c>, <c>memory</c>, <c>weighted:MS_PER_MIB</c>,
/// <c>latency-cap:SIZE</c>), and how each measurement is taken. Accuracy-guard thresholds are the defaults of <c>dsx tune</c>.
/// </summary>
[GenerateSerializer, Immutable, Alias("Dsx.ExplorationSpec")]
public sealed record ExplorationSpec(
    [property: Id(0)] string ModelName,
    [property: Id(1)] string ModelHash,
    [property: Id(2)] string BoardKind,
    [property: Id(3)] string Strategy,
    [property: Id(4)] int Episodes,
    [property: Id(5)] int Batch,
    [property: Id(6)] string Objective,
    [property: Id(7)] bool AllowInt8,
    [property: Id(8)] bool SeedPlans,
    [property: Id(9)] ulong Seed,
    [property: Id(10)] int Repeats,
    [property: Id(11)] int Warmup,
    [property: Id(12)] int ConfirmTopK,
    [property: Id(13)] int FinalRounds,
    [property: Id(14)] int CalibrationSize);
