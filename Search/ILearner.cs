namespace Dsx.Search;

/// <summary>
/// The exploration loop's view of its strategy, step by step: step <c>s</c> is one proposal (for the seed plans, none)
/// and one observation. Steps are numbered so that a learner kept elsewhere (a grain that persists its strategy) can
/// answer a repeated step after a crash with what it answered before, instead of learning the same batch twice.
/// </summary>
public interface ILearner
{
    string Name { get; }

    /// <summary>The <paramref name="count"/> plans of step <paramref name="stepIndex"/>.</summary>
    Task<IReadOnlyList<CandidatePlan>> ProposeAsync(int stepIndex, int count, CancellationToken cancellationToken);

    /// <summary>Learns step <paramref name="stepIndex"/>'s results, in the order they were proposed.</summary>
    Task ObserveAsync(int stepIndex, IReadOnlyList<EpisodeResult> results, CancellationToken cancellationToken);
}
