namespace Dsx.Model;

/// <summary>
/// A seeded generator whose whole state is one <see cref="ulong"/>, so a strategy's random stream can be saved
/// with it and resumed bit for bit (System.Random can be neither serialised nor relied on across .NET versions).
/// </summary>
public sealed class SplitMix64
{
    public SplitMix64(ulong seed) => State = seed;

    /// <summary>The whole state; assign a saved value to resume the stream.</summary>
    public ulong State { get; set; }

    public ulong NextUInt64()
    {
        var z = State += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform in [0, 1).</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform in [0, count).</summary>
    public int Next(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        return (int)(NextUInt64() % (ulong)count);
    }

    /// <summary>Standard normal (Box-Muller).</summary>
    public double NextGaussian()
    {
        var u1 = 1.0 - NextDouble();
        var u2 = NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }
}
