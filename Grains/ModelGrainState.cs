namespace Dsx.Grains;

[GenerateSerializer]
public sealed class ModelGrainState
{
    [Id(0)]
    public string? Name { get; set; }

    [Id(1)]
    public byte[]? Graph { get; set; }
}
