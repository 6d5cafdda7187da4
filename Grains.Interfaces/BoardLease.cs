namespace Dsx.Grains;

/// <summary>The right to use one board for one measurement, until released or expired.</summary>
[GenerateSerializer, Immutable, Alias("Dsx.BoardLease")]
public sealed record BoardLease([property: Id(0)] string BoardId, [property: Id(1)] Guid LeaseId);
