namespace Dsx.Grains;

/// <summary>
/// The RL agent of one exploration (key: the exploration's id): proposes plans and learns from what they cost. Its
/// whole strategy state is persisted after every observed step; steps are numbered, so a step asked again after a
/// crash is answered as before and a step observed twice is learned once.
/// </summary>
[Alias("Dsx.ILearnerGrain")]
public interface ILearnerGrain : IGrainWithStringKey
{
    /// <summary>Keeps the spec of the first call (a restarted exploration asks again); returns the spec kept.</summary>
    [Alias("Initialize")]
    Task<LearnerSpec> InitializeAsync(LearnerSpec spec);

    [Alias("Propose")]
    Task<int[][]> ProposeAsync(int stepIndex, int count);

    [Alias("Observe")]
    Task ObserveAsync(int stepIndex, IReadOnlyList<EpisodeObservation> results);
}
