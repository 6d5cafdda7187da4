using Dsx.Search;

namespace Dsx.Grains;

/// <summary>The exploration loop's learner, kept in the exploration's <see cref="ILearnerGrain"/>.</summary>
internal sealed class GrainLearner(ILearnerGrain grain, string name) : ILearner
{
    public string Name => name;

    public async Task<IReadOnlyList<CandidatePlan>> ProposeAsync(int firstEpisode, int count, CancellationToken cancellationToken) =>
        [.. (await grain.ProposeAsync(firstEpisode, count)).Select(p => new CandidatePlan(p))];

    public Task ObserveAsync(IReadOnlyList<CompletedEpisode> episodes, CancellationToken cancellationToken) =>
        grain.ObserveAsync([.. episodes.Select(e => new EpisodeObservation(
            [.. e.Result.Plan.Choices], [.. e.Result.LayerCosts], e.Result.TotalCost, e.Result.FailedLayer, e.Episode))]);
}
