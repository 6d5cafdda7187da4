namespace Dsx.Grains;

/// <summary>The learner of one exploration: strategy name, seed, episode budget, the store whose space it searches, FP32 only or not.</summary>
[GenerateSerializer, Immutable, Alias("Dsx.LearnerSpec")]
public sealed record LearnerSpec(
    [property: Id(0)] string Strategy,
    [property: Id(1)] ulong Seed,
    [property: Id(2)] int Episodes,
    [property: Id(3)] string StoreKey,
    [property: Id(4)] bool AllowInt8);
