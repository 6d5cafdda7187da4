namespace Dsx.Grains;

[GenerateSerializer]
public sealed class LearnerGrainState
{
    [Id(0)]
    public LearnerSpec? Spec { get; set; }

    /// <summary>The strategy's saved state (<c>ISearchStrategy.SaveState</c>), after the last proposal or observation.</summary>
    [Id(1)]
    public byte[]? Strategy { get; set; }

    // Ids 2 and 3 held the batch loop's observed steps and proposals by step.

    /// <summary>The plans proposed for episodes the exploration may still ask again, by episode.</summary>
    [Id(4)]
    public Dictionary<int, int[]> Proposed { get; set; } = [];

    /// <summary>Every episode below this one was observed.</summary>
    [Id(5)]
    public int FirstUnobserved { get; set; } = 1;

    /// <summary>The episodes above <see cref="FirstUnobserved"/> observed already (they complete out of order).</summary>
    [Id(6)]
    public HashSet<int> ObservedAbove { get; set; } = [];
}
