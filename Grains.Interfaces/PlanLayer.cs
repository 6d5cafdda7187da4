namespace Dsx.Grains;

/// <summary>
/// One layer of a plan in a report: its name, operator and choice (<c>primitive/layout/precision/threads</c>), and as the
/// measurement table knows them, its median time (compute plus the conversion of its inputs), that conversion alone, and
/// the memory its choice holds (weights, scratch, output); null where not known.
/// </summary>
[GenerateSerializer, Immutable, Alias("Dsx.PlanLayer")]
public sealed record PlanLayer(
    [property: Id(0)] string Name,
    [property: Id(1)] string Op,
    [property: Id(2)] string Choice,
    [property: Id(3)] double? Ms = null,
    [property: Id(4)] double? ConversionMs = null,
    [property: Id(5)] long? MemoryBytes = null);
