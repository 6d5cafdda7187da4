namespace Dsx.Search;

/// <summary>A strategy in this process as the loop's learner: each episode is proposed and observed once, so their numbers are not needed.</summary>
public sealed class StrategyLearner(ISearchStrategy strategy) : ILearner
{
    public string Name => strategy.Name;

    public Task<IReadOnlyList<CandidatePlan>> ProposeAsync(int firstEpisode, int count, CancellationToken cancellationToken) =>
        Task.FromResult(strategy.Propose(count));

    public Task ObserveAsync(IReadOnlyList<CompletedEpisode> episodes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(episodes);
        strategy.Observe([.. episodes.Select(e => e.Result)]);
        return Task.CompletedTask;
    }
}
