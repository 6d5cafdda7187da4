namespace Dsx.Search;

/// <summary>
/// One simulated run of a plan (<see cref="TableSimulator.Run"/>): per layer, its compute and its input conversion in
/// milliseconds. A run that failed names the first layer whose choice the table never measured; its arrays are empty.
/// </summary>
public sealed record SimulatedRun(IReadOnlyList<double> ComputeMs, IReadOnlyList<double> ConversionMs, int? FailedLayer);
