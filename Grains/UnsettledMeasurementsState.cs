namespace Dsx.Grains;

/// <summary>
/// The measurement keys an exploration asked since its last checkpoint: the only ones a crash can leave with an outcome
/// its episode grain kept but the measurement store never recorded. A resumed exploration settles them first.
/// </summary>
[GenerateSerializer]
public sealed class UnsettledMeasurementsState
{
    [Id(0)]
    public List<string> Keys { get; set; } = [];
}
