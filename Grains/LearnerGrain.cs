using Dsx.Search;

namespace Dsx.Grains;

/// <summary>
/// Holds one exploration's strategy. Proposals are kept per episode and the strategy state is saved with them, so an
/// episode asked again (the exploration restarted from an earlier checkpoint) gets the same plan, and an episode observed
/// again is learned once.
/// </summary>
public sealed class LearnerGrain([PersistentState("learner", StorageNames.Default)] IPersistentState<LearnerGrainState> state)
    : Grain, ILearnerGrain
{
    private ISearchStrategy? _strategy;

    public async Task<LearnerSpec> InitializeAsync(LearnerSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (state.State.Spec is null)
        {
            state.State.Spec = spec;
            await state.WriteOrForgetAsync(DeactivateOnIdle);
        }

        return state.State.Spec;
    }

    public async Task<int[][]> ProposeAsync(int firstEpisode, int count, IReadOnlyList<EpisodeObservation> observed)
    {
        ArgumentNullException.ThrowIfNull(observed);
        var learned = await LearnAsync(observed);
        var kept = state.State.Proposed;
        // The exploration checkpoints the episodes it started before it asks for more: those below are never asked again.
        foreach (var episode in kept.Keys.Where(e => e < firstEpisode).ToList())
        {
            kept.Remove(episode);
        }

        var missing = Enumerable.Range(firstEpisode, count).Where(e => !kept.ContainsKey(e)).ToList();
        if (missing.Count > 0)
        {
            var strategy = await StrategyAsync();
            foreach (var (episode, plan) in missing.Zip(strategy.Propose(missing.Count)))
            {
                kept[episode] = [.. plan.Choices];
            }
        }

        if (learned || missing.Count > 0)
        {
            await SaveAsync();
        }

        return [.. Enumerable.Range(firstEpisode, count).Select(e => kept[e])];
    }

    public async Task ObserveAsync(IReadOnlyList<EpisodeObservation> results)
    {
        ArgumentNullException.ThrowIfNull(results);
        if (await LearnAsync(results))
        {
            await SaveAsync();
        }
    }

    /// <returns>Whether any episode was new to the strategy (its state changed and is not written yet).</returns>
    private async Task<bool> LearnAsync(IReadOnlyList<EpisodeObservation> results)
    {
        var s = state.State;
        var fresh = results.Where(r => r.Episode >= s.FirstUnobserved && !s.ObservedAbove.Contains(r.Episode)).ToList();
        if (fresh.Count == 0)
        {
            return false;
        }

        var strategy = await StrategyAsync();
        strategy.Observe([.. fresh.Select(r => new EpisodeResult(new CandidatePlan(r.Plan), r.LayerCosts, r.TotalCost, r.FailedLayer))]);
        s.ObservedAbove.UnionWith(fresh.Select(r => r.Episode));
        while (s.ObservedAbove.Remove(s.FirstUnobserved))
        {
            s.FirstUnobserved++;
        }

        return true;
    }

    private async Task SaveAsync()
    {
        state.State.Strategy = (await StrategyAsync()).SaveState();
        await state.WriteOrForgetAsync(DeactivateOnIdle);
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        (_strategy as IDisposable)?.Dispose();
        return Task.CompletedTask;
    }

    /// <summary>The space the exploration's strategy searches: the table's, FP32 only unless allowed, without its excluded choices.</summary>
    internal static SearchSpace StrategySpace(SearchSpace tableSpace, LearnerSpec spec) =>
        (spec.AllowInt8 ? tableSpace : tableSpace.WithoutInt8()).Without(spec.Excluded ?? []);

    private async Task<ISearchStrategy> StrategyAsync()
    {
        if (_strategy is not null)
        {
            return _strategy;
        }

        var spec = state.State.Spec ?? throw new InvalidOperationException($"learner {this.GetPrimaryKeyString()} was not initialised");
        var json = await GrainFactory.GetGrain<IMeasurementStoreGrain>(spec.StoreKey).GetTableAsync()
            ?? throw new InvalidOperationException($"the measurement store {spec.StoreKey} has no table");
        var table = MeasurementTable.Parse(json);
        var strategy = StrategyFactory.Create(spec.Strategy, StrategySpace(table.Space, spec), spec.Seed, spec.Episodes, table.Board);
        if (state.State.Strategy is { } saved)
        {
            strategy.RestoreState(saved);
        }

        return _strategy = strategy;
    }
}
