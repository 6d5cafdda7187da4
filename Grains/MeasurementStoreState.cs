namespace Dsx.Grains;

[GenerateSerializer]
public sealed class MeasurementStoreState
{
    /// <summary>The table as JSON (dsx-measurement-table/1).</summary>
    [Id(0)]
    public string? Table { get; set; }

    /// <summary>The request keys recorded, in order.</summary>
    [Id(1)]
    public List<string> Keys { get; set; } = [];
}
