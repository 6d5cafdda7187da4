using System.Text.Json;

namespace Dsx.Bench;

/// <summary>
/// From <c>dsx simulate --json</c>: per table and strategy, the median episodes and board seconds over seeds to come within
/// the target of the DP optimum for good (null: half or more of the seeds did not within the budget).
/// </summary>
internal sealed record SearchEfficiency(string Model, double OptimumMs, string Strategy, int? Episodes, double? BoardSeconds, int SeedsReached, int Seeds, int Budget, double Within, double FinalRegret)
{
    public static IReadOnlyList<SearchEfficiency> Load(string path)
    {
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllText(path));
            var root = document.RootElement;
            var seeds = root.GetProperty("seeds").GetInt32();
            var budget = root.GetProperty("episodes").GetInt32();
            var within = root.GetProperty("within").GetDouble();
            return [.. root.GetProperty("tables").EnumerateArray().SelectMany(t => t.GetProperty("strategies").EnumerateArray().Select(s =>
            {
                var reach = s.GetProperty("reach");
                return new SearchEfficiency(
                    t.GetProperty("model").GetString()!,
                    t.GetProperty("optimum").GetDouble(),
                    s.GetProperty("name").GetString()!,
                    reach.GetProperty("medianEpisodes").ValueKind == JsonValueKind.Number ? reach.GetProperty("medianEpisodes").GetInt32() : null,
                    reach.GetProperty("medianBoardSeconds").ValueKind == JsonValueKind.Number ? reach.GetProperty("medianBoardSeconds").GetDouble() : null,
                    reach.GetProperty("seedsReached").GetInt32(),
                    seeds,
                    budget,
                    within,
                    s.GetProperty("checkpoints").EnumerateArray().Last().GetProperty("meanRegret").GetDouble());
            }))];
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new InvalidDataException($"{path}: not a 'dsx simulate --json' report ({e.Message})", e);
        }
    }
}
