namespace Dsx.Grains;

/// <summary>
/// One board measurement of an exploration. The outcome is persisted before it is recorded into the measurement store
/// and returned, so a request repeated after a crash (same key) is answered from it, and the store's record (keyed by
/// request) is made at most once. A board that fails (not the plan) is released as failed and the request goes to
/// another board of the kind (<see cref="BoardWork"/>).
/// </summary>
public sealed class EpisodeGrain([PersistentState("episode", StorageNames.Default)] IPersistentState<EpisodeGrainState> state) : Grain, IEpisodeGrain
{
    public async Task<EpisodeOutcome> RunAsync(EpisodeRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var key = this.GetPrimaryKeyString();
        if (state.State.Outcome is { } kept && kept.Plan.AsSpan().SequenceEqual(request.Plan))
        {
            // Replayed means "already in the table": an outcome kept just before a crash may reach the store only now,
            // and then the caller's copy of the table lacks it too.
            var recordedNow = await RecordAsync(key, request.StoreKey, kept);
            return kept.Outcome with { Replayed = !recordedNow };
        }

        var outcome = await BoardWork.RunAsync(GrainFactory, request.BoardKind, request.ExplorationId, key, board => board.MeasureAsync(request));
        state.State.Outcome = new KeptOutcome(request.Plan, outcome, request.PredictedMs);
        await state.WriteOrForgetAsync(DeactivateOnIdle);
        await RecordAsync(key, request.StoreKey, state.State.Outcome);
        return outcome;
    }

    public async Task SettleAsync(string storeKey)
    {
        if (state.State.Outcome is { } kept)
        {
            await RecordAsync(this.GetPrimaryKeyString(), storeKey, kept);
        }
    }

    public Task<EpisodeOutcome?> GetOutcomeAsync() => Task.FromResult(state.State.Outcome?.Outcome);

    /// <summary>
    /// A measurement goes into the kind's table; a failure that names its layer marks that layer's choice failing there,
    /// so no exploration of the kind proposes it again.
    /// </summary>
    /// <returns>Whether the store recorded it now (false: recorded before, or nothing to record).</returns>
    private async Task<bool> RecordAsync(string key, string storeKey, KeptOutcome kept)
    {
        // The baseline has no store (its plan need not be in the search space).
        if (storeKey.Length == 0)
        {
            return false;
        }

        var store = GrainFactory.GetGrain<IMeasurementStoreGrain>(storeKey);
        return kept.Outcome switch
        {
            { Succeeded: true, Reply: { } reply } => await store.RecordAsync(key, kept.Plan, reply, kept.PredictedMs),
            { Succeeded: false, FailedLayer: { Length: > 0 } layer } => await store.RecordFailureAsync(kept.Plan, layer, kept.Outcome.Failure ?? "failed"),
            _ => false,
        };
    }
}
