using Dsx.Search;

namespace Dsx.Grains;

/// <summary>
/// Holds one exploration's strategy. Proposals are kept per step and the strategy state is saved with them, so a step
/// asked again (the exploration restarted from an earlier checkpoint) gets the same plans, and a step observed again is
/// learned once.
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

    public async Task<int[][]> ProposeAsync(int stepIndex, int count)
    {
        if (state.State.Proposals.TryGetValue(stepIndex, out var kept))
        {
            return kept;
        }

        var strategy = await StrategyAsync();
        var proposals = strategy.Propose(count).Select(p => p.Choices.ToArray()).ToArray();
        state.State.Proposals.Clear();
        state.State.Proposals[stepIndex] = proposals;
        state.State.Strategy = strategy.SaveState();
        await state.WriteOrForgetAsync(DeactivateOnIdle);
        return proposals;
    }

    public async Task ObserveAsync(int stepIndex, IReadOnlyList<EpisodeObservation> results)
    {
        ArgumentNullException.ThrowIfNull(results);
        if (stepIndex < state.State.ObservedSteps)
        {
            return;
        }

        var strategy = await StrategyAsync();
        strategy.Observe([.. results.Select(r => new EpisodeResult(new CandidatePlan(r.Plan), r.LayerCosts, r.TotalCost, r.FailedLayer))]);
        state.State.ObservedSteps = stepIndex + 1;
        state.State.Strategy = strategy.SaveState();
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
        var strategy = StrategyFactory.Create(spec.Strategy, StrategySpace(MeasurementTable.Parse(json).Space, spec), spec.Seed, spec.Episodes);
        if (state.State.Strategy is { } saved)
        {
            strategy.RestoreState(saved);
        }

        return _strategy = strategy;
    }
}
