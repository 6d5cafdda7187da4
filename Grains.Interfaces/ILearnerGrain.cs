namespace Dsx.Grains;

/// <summary>
/// The RL agent of one exploration (key: the exploration's id): proposes plans and learns from what they cost. Its
/// whole strategy state is persisted after every proposal and observation; both name their episodes, so an episode
/// asked again after a crash gets the plan it got before and an episode observed twice is learned once.
/// </summary>
[Alias("Dsx.ILearnerGrain")]
public interface ILearnerGrain : IGrainWithStringKey
{
    /// <summary>Keeps the spec of the first call (a restarted exploration asks again); returns the spec kept.</summary>
    [Alias("Initialize")]
    Task<LearnerSpec> InitializeAsync(LearnerSpec spec);

    /// <summary>The plans of episodes <paramref name="firstEpisode"/> to <paramref name="firstEpisode"/> + <paramref name="count"/> - 1.</summary>
    [Alias("Propose")]
    Task<int[][]> ProposeAsync(int firstEpisode, int count);

    /// <summary>Learns the episodes' results in the order given, each episode once.</summary>
    [Alias("Observe")]
    Task ObserveAsync(IReadOnlyList<EpisodeObservation> results);
}
