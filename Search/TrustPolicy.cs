namespace Dsx.Search;

/// <summary>
/// When a recorded timing may stand in for a new measurement: seen often enough, steady enough, recent enough.
/// Defaults: one sample with under 25% spread, any age (a board kind's timings do not age unless its software changes,
/// and a table is tied to one executor version). A timing whose spread is under <see cref="NegligibleMs"/> in absolute
/// terms is steady enough whatever its relative spread: a 10 us layer that moves by 50% moves a whole network by 5 us,
/// and without this floor the smallest layers of a loaded board would never be trusted, so no plan would ever be reused.
/// A timing still too noisy after <see cref="NoisyRepeats"/> measurements is trusted at its median: the board is that
/// noisy, and measuring it forever would spend the whole budget on one layer.
/// </summary>
public sealed record TrustPolicy(int MinSamples = 1, double MaxSpread = 0.25, TimeSpan? MaxAge = null, double NegligibleMs = 0.05, int NoisyRepeats = 3)
{
    public static TrustPolicy Default { get; } = new();
}
