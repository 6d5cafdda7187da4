namespace Dsx.Search;

/// <summary>
/// A plan's end-to-end measurements in an <see cref="ExplorationCheckpoint"/>: each one's median, and the fastest and
/// slowest run over all (null in a checkpoint written before they were kept).
/// </summary>
public sealed record CheckpointedConfirmation(string Plan, double? PredictedMs, IReadOnlyList<double> MediansMs, long PeakBytes, double? MinMs = null, double? MaxMs = null);
