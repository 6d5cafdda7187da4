namespace Dsx.Grains;

/// <summary>One layer of a plan in a report: its name, operator and choice (<c>primitive/layout/precision/threads</c>).</summary>
[GenerateSerializer, Immutable, Alias("Dsx.PlanLayer")]
public sealed record PlanLayer([property: Id(0)] string Name, [property: Id(1)] string Op, [property: Id(2)] string Choice);
