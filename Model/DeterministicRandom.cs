namespace Dsx.Model;

/// <summary>
/// Seeded weights: a <see cref="SplitMix64"/> stream, specified bit for bit, so a seed yields the same weights on every
/// runtime and platform (System.Random makes no such promise across .NET versions).
/// </summary>
internal sealed class DeterministicRandom
{
    private readonly SplitMix64 _stream;

    public DeterministicRandom(ulong seed) => _stream = new SplitMix64(seed);

    /// <summary>A generator whose stream depends on both the seed and a name, so adding a tensor does not shift the others.</summary>
    public static DeterministicRandom ForName(ulong seed, string name) => new(seed ^ Fnv1a.Hash(name));

    public ulong NextUInt64() => _stream.NextUInt64();

    /// <summary>Uniform in [-bound, bound).</summary>
    public float NextSymmetric(float bound)
    {
        var unit = (NextUInt64() >> 40) * (1.0f / (1 << 24));
        return ((2f * unit) - 1f) * bound;
    }
}
