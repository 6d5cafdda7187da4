using System.Text.Json;

namespace Dsx.Search;

/// <summary>
/// An exploration's whole state (plans as <see cref="CandidatePlan.ToString"/> text), taken whenever it observed results
/// or started episodes, before their measurements go to the board: an exploration started from it asks the episodes in
/// flight again under the same keys and goes on. The strategy's state is the learner's to keep; the measurement
/// table's, the table's. Serialised as JSON.
/// </summary>
public sealed record ExplorationCheckpoint(
    int Episode,
    int TableHits,
    int BoardMeasurements,
    int Failures,
    IReadOnlyList<double?> History,
    IReadOnlyList<CheckpointedConfirmation> Confirmed,
    IReadOnlyList<CheckpointedVerdict> Verdicts,
    IReadOnlyList<string> Observed)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>
    /// The episodes started and not yet observed, by number: episodes 1 to <see cref="Episode"/> + their count were
    /// started. Empty in a checkpoint written between two steps of the batch loop that came before.
    /// </summary>
    public IReadOnlyList<CheckpointedEpisode> InFlight { get; init; } = [];

    /// <summary>Each episode's own cost (null: its plan failed); null in a checkpoint written before they were kept.</summary>
    public IReadOnlyList<double?>? EpisodeCosts { get; init; }

    /// <summary>The Pareto front (latency against peak memory) of the plans confirmed so far, guard-rejected ones left out.</summary>
    public IReadOnlyList<(string Plan, double LatencyMs, long PeakBytes)> ParetoFront()
    {
        var rejected = Verdicts.Where(v => !v.Verdict.Passed).Select(v => v.Plan).ToHashSet(StringComparer.Ordinal);
        var confirmed = Confirmed
            .Where(c => !rejected.Contains(c.Plan))
            .Select(c => (c.Plan, LatencyMs: TimingStat.Median(c.MediansMs), c.PeakBytes))
            .Where(c => double.IsFinite(c.LatencyMs));
        return Search.ParetoFront.Of(confirmed, c => c.LatencyMs, c => c.PeakBytes);
    }

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <exception cref="JsonException">Not a checkpoint.</exception>
    public static ExplorationCheckpoint FromJson(string json) =>
        JsonSerializer.Deserialize<ExplorationCheckpoint>(json, Json) ?? throw new JsonException("an empty checkpoint");
}
