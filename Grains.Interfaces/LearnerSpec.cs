namespace Dsx.Grains;

/// <summary>
/// The learner of one exploration: strategy name, seed, episode budget, the store whose space it searches, FP32 only or
/// not, and the choices left out of its space (<c>layer:choice</c>, those the store knew as failing when the exploration
/// started: fixed for the exploration's life, so its strategy's space never changes under it).
/// </summary>
[GenerateSerializer, Immutable, Alias("Dsx.LearnerSpec")]
public sealed record LearnerSpec(
    [property: Id(0)] string Strategy,
    [property: Id(1)] ulong Seed,
    [property: Id(2)] int Episodes,
    [property: Id(3)] string StoreKey,
    [property: Id(4)] bool AllowInt8,
    [property: Id(5)] string[]? Excluded = null);
