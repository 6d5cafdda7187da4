namespace Dsx.Grains;

/// <summary>A plan on the Pareto front: end-to-end latency and peak memory.</summary>
[GenerateSerializer, Immutable, Alias("Dsx.ParetoPoint")]
public sealed record ParetoPoint([property: Id(0)] double LatencyMs, [property: Id(1)] long PeakBytes, [property: Id(2)] bool UsesInt8);
