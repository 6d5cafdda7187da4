namespace Dsx.Search;

/// <summary>
/// When a recorded timing may stand in for a new measurement: seen often enough, steady enough, recent enough.
/// Defaults: one sample with under 25% spread, any age (a board kind's timings do not age unless its software changes,
/// and a table is tied to one executor version).
/// </summary>
public sealed record TrustPolicy(int MinSamples = 1, double MaxSpread = 0.25, TimeSpan? MaxAge = null)
{
    public static TrustPolicy Default { get; } = new();
}
