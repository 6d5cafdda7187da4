using Dsx.Search;

namespace Dsx.Grains;

/// <summary>
/// The exploration loop's learner, kept in the exploration's <see cref="ILearnerGrain"/>. What the loop observes is held
/// here and sent with its next proposal, so the grain writes its strategy once per turn, not twice;
/// <see cref="FlushAsync"/> sends what is held before each checkpoint, so everything observed before a checkpoint is in
/// the grain's state when the checkpoint is written (what a resumed exploration relies on), as before.
/// </summary>
internal sealed class GrainLearner(ILearnerGrain grain, string name) : ILearner
{
    private readonly List<EpisodeObservation> _held = [];

    public string Name => name;

    public async Task<IReadOnlyList<CandidatePlan>> ProposeAsync(int firstEpisode, int count, CancellationToken cancellationToken)
    {
        var plans = await grain.ProposeAsync(firstEpisode, count, [.. _held]);
        _held.Clear();
        return [.. plans.Select(p => new CandidatePlan(p))];
    }

    public Task ObserveAsync(IReadOnlyList<CompletedEpisode> episodes, CancellationToken cancellationToken)
    {
        _held.AddRange(episodes.Select(e => new EpisodeObservation(
            [.. e.Result.Plan.Choices], [.. e.Result.LayerCosts], e.Result.TotalCost, e.Result.FailedLayer, e.Episode)));
        return Task.CompletedTask;
    }

    /// <summary>Has the grain learn (and persist) what was observed since the last proposal.</summary>
    public async Task FlushAsync()
    {
        if (_held.Count > 0)
        {
            await grain.ObserveAsync([.. _held]);
            _held.Clear();
        }
    }
}
