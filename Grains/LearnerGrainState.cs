namespace Dsx.Grains;

[GenerateSerializer]
public sealed class LearnerGrainState
{
    [Id(0)]
    public LearnerSpec? Spec { get; set; }

    /// <summary>The strategy's saved state (<c>ISearchStrategy.SaveState</c>), after the last proposal or observation.</summary>
    [Id(1)]
    public byte[]? Strategy { get; set; }

    [Id(2)]
    public int ObservedSteps { get; set; }

    /// <summary>The plans of the last proposed step, by step.</summary>
    [Id(3)]
    public Dictionary<int, int[][]> Proposals { get; set; } = [];
}
