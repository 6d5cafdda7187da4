namespace Dsx.Grains;

/// <summary>
/// The RL agent of one exploration (key: the exploration's id): proposes plans and learns from what they cost. Its
/// whole strategy state is persisted after every observed step; steps are numbered, so a step asked again after a
/// crash is answered as before and a step observed twice is learned once.
/// </summary>
[Alias("Dsx.ILearnerGrain")]
public interface ILearnerGrain : IGrainWithStringKey
{
    [Alias("Initialize")]
    Task InitializeAsync(LearnerSpec spec);

    [Alias("Propose")]
    Task<int[][]> ProposeAsync(int stepIndex, int count);

    [Alias("Observe")]
    Task ObserveAsync(int stepIndex, IReadOnlyList<EpisodeObservation> results);
}
