namespace Dsx.Grains;

/// <summary>
/// The RL agent of one exploration (key: the exploration's id): proposes plans and learns from what they cost. Its
/// whole strategy state is persisted after every call that changes it; both name their episodes, so an episode asked
/// again after a crash gets the plan it got before and an episode observed twice is learned once.
/// </summary>
[Alias("Dsx.ILearnerGrain")]
public interface ILearnerGrain : IGrainWithStringKey
{
    /// <summary>Keeps the spec of the first call (a restarted exploration asks again); returns the spec kept.</summary>
    [Alias("Initialize")]
    Task<LearnerSpec> InitializeAsync(LearnerSpec spec);

    /// <summary>
    /// Learns <paramref name="observed"/> as <see cref="ObserveAsync"/> does, then answers the plans of episodes
    /// <paramref name="firstEpisode"/> to <paramref name="firstEpisode"/> + <paramref name="count"/> - 1, with one write
    /// of the strategy for both: an exploration's turn shows what came back and asks for as many plans, and the state
    /// (which grows with every episode learned) was written twice per turn.
    /// </summary>
    [Alias("Propose")]
    Task<int[][]> ProposeAsync(int firstEpisode, int count, IReadOnlyList<EpisodeObservation> observed);

    /// <summary>Learns the episodes' results in the order given, each episode once.</summary>
    [Alias("Observe")]
    Task ObserveAsync(IReadOnlyList<EpisodeObservation> results);
}
