using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Dsx.Search;

namespace Dsx.Cli;

/// <summary>
/// The results of <c>dsx simulate</c> as text, Markdown, CSV (every episode) and JSON. Regret is in percent. Beside regret,
/// what each strategy needs to come within <c>within</c> of the optimum: median episodes and board seconds over seeds.
/// </summary>
internal sealed class SimulationReport(
    IReadOnlyList<TableRegret> tables, IReadOnlyList<int> checkpoints, Objective objective, int episodes, int seeds, bool measuredNoise, double within)
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    private string Unit => objective.Kind is ObjectiveKind.Latency or ObjectiveKind.LatencyUnderMemoryCap ? " ms" : "";

    public string ToText()
    {
        var text = new StringBuilder();
        foreach (var table in tables)
        {
            text.Append(Invariant, $"{table.Model} ({table.Path}): objective {objective}, {OptimumText(table)}, {NoiseText()}; ")
                .Append(Invariant, $"regret over {seeds} seeds, mean [min, max]\n");
            var rows = new TextTable([.. checkpoints.Select(c => $"after {c}").Prepend("strategy").Append($"to within {Percent(within)}: episodes, board s")]);
            foreach (var s in table.Strategies)
            {
                rows.AddRow([.. checkpoints.Select(c => $"{Percent(s.Mean(c))} [{Percent(s.Min(c))}, {Percent(s.Max(c))}]").Prepend(s.Strategy).Append(ReachText(s))]);
            }

            text.Append(rows.Render()).Append('\n');
        }

        return text.ToString();
    }

    public string ToMarkdown()
    {
        var text = new StringBuilder();
        text.Append(Invariant, $"Mean regret over {seeds} seeds (true cost of the plan the search picks / DP optimum - 1), objective {objective}, {NoiseText()}.\n\n");
        text.Append("| model (DP optimum) | strategy | ").AppendJoin(" | ", checkpoints.Select(c => $"after {c}"))
            .Append(Invariant, $" | to within {Percent(within)}: episodes, board s (median of seeds; seeds that got there) |\n");
        text.Append("| --- | --- |").Append(string.Concat(checkpoints.Select(_ => " ---: |"))).Append(" ---: |\n");
        foreach (var table in tables)
        {
            foreach (var s in table.Strategies)
            {
                text.Append(Invariant, $"| {table.Model} ({OptimumText(table)}; {NoiseText()}) | {s.Strategy} | ")
                    .AppendJoin(" | ", checkpoints.Select(c => Percent(s.Mean(c)))).Append(" | ").Append(ReachText(s)).Append(" |\n");
            }
        }

        return text.ToString();
    }

    public string ToCsv()
    {
        var text = new StringBuilder("model,strategy,episode,mean_regret,min_regret,max_regret\n");
        foreach (var table in tables)
        {
            foreach (var s in table.Strategies)
            {
                for (var e = 1; e <= episodes; e++)
                {
                    text.Append(Invariant, $"{table.Model},{s.Strategy},{e},{s.Mean(e):R},{s.Min(e):R},{s.Max(e):R}\n");
                }
            }
        }

        return text.ToString();
    }

    public string ToJson()
    {
        var document = new
        {
            objective = objective.ToString(),
            episodes,
            seeds,
            noise = measuredNoise ? "measured" : "none",
            within,
            tables = tables.Select(t => new
            {
                model = t.Model,
                path = t.Path,
                optimum = t.Optimum,
                optimumProven = t.OptimumProven,
                lowerBound = t.LowerBound,
                strategies = t.Strategies.Select(s => new
                {
                    name = s.Strategy,
                    checkpoints = checkpoints.Select(c => new { episodes = c, meanRegret = s.Mean(c), minRegret = s.Min(c), maxRegret = s.Max(c) }),
                    reach = new
                    {
                        seedsReached = s.Reached,
                        medianEpisodes = s.MedianEpisodes,
                        medianBoardSeconds = s.MedianBoardSeconds,
                        perSeed = s.Reach.Select(r => new { episodes = r.Episodes, boardSeconds = r.BoardSeconds }),
                    },
                }),
            }),
        };
        return JsonSerializer.Serialize(document, Json) + "\n";
    }

    private string OptimumText(TableRegret table) =>
        table.OptimumProven
            ? string.Create(Invariant, $"DP optimum {table.Optimum:0.###}{Unit}")
            : string.Create(Invariant, $"DP plan {table.Optimum:0.###}{Unit} (feasible, not proven optimal: lower bound {table.LowerBound:0.###}{Unit})");

    private string ReachText(StrategyRegret s) =>
        s.MedianEpisodes is { } e && s.MedianBoardSeconds is { } b
            ? string.Create(Invariant, $"{e}, {b:0.##} s ({s.Reached}/{seeds})")
            : string.Create(Invariant, $"> {episodes} ({s.Reached}/{seeds})");

    private string NoiseText() => measuredNoise ? "measured noise" : "no noise";

    private static string Percent(double regret) => double.IsFinite(regret) ? string.Create(Invariant, $"{regret * 100:0.00}%") : "n/a";
}
