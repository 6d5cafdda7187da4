namespace Dsx.Search;

/// <summary>A strategy in this process as the loop's learner: steps arrive once each, in order, so their numbers are not needed.</summary>
public sealed class StrategyLearner(ISearchStrategy strategy) : ILearner
{
    public string Name => strategy.Name;

    public Task<IReadOnlyList<CandidatePlan>> ProposeAsync(int stepIndex, int count, CancellationToken cancellationToken) =>
        Task.FromResult(strategy.Propose(count));

    public Task ObserveAsync(int stepIndex, IReadOnlyList<EpisodeResult> results, CancellationToken cancellationToken)
    {
        strategy.Observe(results);
        return Task.CompletedTask;
    }
}
