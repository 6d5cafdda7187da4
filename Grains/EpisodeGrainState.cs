namespace Dsx.Grains;

[GenerateSerializer]
public sealed class EpisodeGrainState
{
    [Id(0)]
    public KeptOutcome? Outcome { get; set; }
}
