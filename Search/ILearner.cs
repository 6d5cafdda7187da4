namespace Dsx.Search;

/// <summary>
/// The exploration loop's view of its strategy. Plans are proposed and results observed by episode number, in any
/// interleaving: the loop keeps several measurements out and shows each result as it comes back, proposing the next
/// plan at once. Episodes are numbered so that a learner kept elsewhere (a grain that persists its strategy) answers an
/// episode asked again after a crash with the plan it proposed before, and learns an episode observed twice once.
/// </summary>
public interface ILearner
{
    string Name { get; }

    /// <summary>The plans of episodes <paramref name="firstEpisode"/> to <paramref name="firstEpisode"/> + <paramref name="count"/> - 1.</summary>
    Task<IReadOnlyList<CandidatePlan>> ProposeAsync(int firstEpisode, int count, CancellationToken cancellationToken);

    /// <summary>Learns the episodes' results, in the order given (the order they completed).</summary>
    Task ObserveAsync(IReadOnlyList<CompletedEpisode> episodes, CancellationToken cancellationToken);
}
