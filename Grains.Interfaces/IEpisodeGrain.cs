namespace Dsx.Grains;

/// <summary>
/// One board measurement of an exploration (key: <c>explorationId/measurementKey</c>): leases a board of the kind,
/// measures, records into the measurement store, keeps the outcome. Idempotent: asked twice, it measures once.
/// </summary>
[Alias("Dsx.IEpisodeGrain")]
public interface IEpisodeGrain : IGrainWithStringKey
{
    [Alias("Run")]
    Task<EpisodeOutcome> RunAsync(EpisodeRequest request);

    /// <summary>
    /// Records the kept outcome (if any) into the store <paramref name="storeKey"/> unless it holds it already: what a crash
    /// between keeping and recording left undone, for a resumed exploration that may not ask this key again.
    /// </summary>
    [Alias("Settle")]
    Task SettleAsync(string storeKey);

    /// <summary>The kept outcome (null before the measurement completed): which board measured it, and the executor's reply.</summary>
    [Alias("GetOutcome")]
    Task<EpisodeOutcome?> GetOutcomeAsync();
}
