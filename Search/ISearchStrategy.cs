namespace Dsx.Search;

/// <summary>
/// A search strategy: proposes plans to measure, learns from what they cost. Deterministic under its seed: the same
/// seed and the same observations give the same proposals. Its whole state can be saved and restored, so a
/// search interrupted after any observed batch resumes exactly where it was.
/// </summary>
public interface ISearchStrategy
{
    /// <summary>The name used on the command line (<c>random</c>, <c>greedy</c>, <c>qlearning</c>, <c>dqn</c>).</summary>
    string Name { get; }

    /// <summary>The next <paramref name="count"/> plans to measure, one episode each.</summary>
    IReadOnlyList<CandidatePlan> Propose(int count);

    /// <summary>Learns from measured episodes, in the order they completed (with several out at once, not always the order they were proposed).</summary>
    void Observe(IReadOnlyList<EpisodeResult> results);

    /// <summary>Everything needed to continue later: learned values, replay memory, schedule position, random state.</summary>
    byte[] SaveState();

    /// <summary>Restores a state saved by the same strategy over the same search space.</summary>
    void RestoreState(byte[] state);
}
