namespace Dsx.Search;

/// <summary>
/// What an exploration found. <see cref="Best"/> is the confirmed plan of least cost that passed the accuracy guard
/// (null when nothing could be confirmed); <see cref="BestCostByEpisode"/> holds, after each episode, the cost of the
/// best confirmed plan so far (null before the first). <see cref="ParetoFront"/>: the end-to-end measured plans,
/// guard-rejected ones left out, that no other beats on both latency and peak memory. <see cref="EpisodeCosts"/> holds
/// each episode's own cost (measured or answered from the table; null where its plan failed).
/// </summary>
public sealed record ExplorationResult(
    ConfirmedPlan? Best,
    AccuracyVerdict? BestVerdict,
    IReadOnlyList<ConfirmedPlan> Confirmed,
    IReadOnlyList<GuardRejection> Rejections,
    IReadOnlyList<ConfirmedPlan> ParetoFront,
    IReadOnlyList<double?> BestCostByEpisode,
    int Episodes,
    int TableHits,
    int BoardMeasurements,
    int Failures)
{
    public IReadOnlyList<double?> EpisodeCosts { get; init; } = [];
}
