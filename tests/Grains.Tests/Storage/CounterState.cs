using Orleans;

namespace Dsx.Grains.Tests.Storage;

/// <summary>A small grain state: serialisable by Orleans (grain calls) and by JSON (storage).</summary>
[GenerateSerializer]
public sealed class CounterState
{
    [Id(0)]
    public int Value { get; set; }

    [Id(1)]
    public string Note { get; set; } = "";
}
