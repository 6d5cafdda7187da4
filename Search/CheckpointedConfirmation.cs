namespace Dsx.Search;

/// <summary>A plan's end-to-end measurements in an <see cref="ExplorationCheckpoint"/>.</summary>
public sealed record CheckpointedConfirmation(string Plan, double? PredictedMs, IReadOnlyList<double> MediansMs, long PeakBytes);
