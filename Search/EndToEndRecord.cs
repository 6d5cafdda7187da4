namespace Dsx.Search;

/// <summary>
/// One whole-network measurement of a plan: its end-to-end latency and peak memory as measured, and what the
/// additive model predicted for it at the time (so the model's error is on record; null when the table could not yet predict it).
/// </summary>
public sealed record EndToEndRecord(
    string Plan,
    double MinMs,
    double MedianMs,
    double MaxMs,
    long PeakBytes,
    long PeakRssBytes,
    double? PredictedMs,
    long UnixMs);
