using Dsx.Search;

namespace Dsx.Grains;

/// <summary>The exploration loop's learner, kept in the exploration's <see cref="ILearnerGrain"/>.</summary>
internal sealed class GrainLearner(ILearnerGrain grain, string name) : ILearner
{
    public string Name => name;

    public async Task<IReadOnlyList<CandidatePlan>> ProposeAsync(int stepIndex, int count, CancellationToken cancellationToken) =>
        [.. (await grain.ProposeAsync(stepIndex, count)).Select(p => new CandidatePlan(p))];

    public Task ObserveAsync(int stepIndex, IReadOnlyList<EpisodeResult> results, CancellationToken cancellationToken) =>
        grain.ObserveAsync(stepIndex, [.. results.Select(r => new EpisodeObservation([.. r.Plan.Choices], [.. r.LayerCosts], r.TotalCost, r.FailedLayer))]);
}
