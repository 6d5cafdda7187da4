using System.Text.Json;

namespace Dsx.Bench;

/// <summary>
/// One line of bench/run's <c>runs.jsonl</c>: one configuration of one model measured in one round (median of its timed
/// runs), its peak memory (Dsx only) and where its output went.
/// </summary>
internal sealed record RunRecord(string Model, string Config, int Round, double MedianMs, long? PeakBytes, string? Output)
{
    public static RunRecord Parse(string line, string source)
    {
        try
        {
            using var document = JsonDocument.Parse(line);
            var root = document.RootElement;
            return new RunRecord(
                root.GetProperty("model").GetString()!,
                root.GetProperty("config").GetString()!,
                root.GetProperty("round").GetInt32(),
                root.GetProperty("median_ms").GetDouble(),
                root.TryGetProperty("peak_bytes", out var peak) && peak.ValueKind == JsonValueKind.Number ? peak.GetInt64() : null,
                root.TryGetProperty("output", out var output) && output.ValueKind == JsonValueKind.String ? output.GetString() : null);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new InvalidDataException($"{source}: not a run record ({e.Message}): {line}", e);
        }
    }
}
