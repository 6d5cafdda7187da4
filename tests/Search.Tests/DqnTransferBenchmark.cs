using System.Diagnostics;
using System.Globalization;
using System.Text;
using Dsx.Search.Tests.Evaluation;
using Xunit.Abstractions;

namespace Dsx.Search.Tests;

/// <summary>
/// Does a DQN trained on one model reach within 1 % (and 2 %, 5 %) of the optimum on another in fewer episodes than
/// one trained from scratch? Both models are replayed noise-free through the additive model of their recorded tables; the
/// optimum is <see cref="ExactDp"/>'s. Skipped unless DSX_BENCH_TABLES is set; see bench/dqn-transfer.md.
/// Options: DSX_BENCH_SOURCE (default mobilenet_v1), DSX_BENCH_TARGET (mobilenet_v2), DSX_BENCH_SEEDS (10), DSX_BENCH_FIRST_SEED (1: seeds
/// run from it, so more seeds can be added to a run in another process),
/// DSX_BENCH_EPISODES (budget per run on the target, 1000), DSX_BENCH_TRAIN_EPISODES (on the source, 1500: after 600 the source learner was still 2-15 % off its optimum), DSX_BENCH_LEARNING_RATE (Adam's, 0.001),
/// DSX_BENCH_EPSILON_END (the DQN's epsilon floor, 0.02), DSX_BENCH_MOVES (1: the DQN explores with Q-learning's block
/// moves and sticky exploration, <see cref="ExplorationMoves"/>; default 0), DSX_BENCH_AROUND_BEST (1: the DQN's block
/// moves go around its best plan, <see cref="DqnOptions.BlockMovesAroundBest"/>; default 0),
/// DSX_BENCH_TRANSFER_EPSILON (the epsilon the transferred learner and its same-schedule scratch row start at, 0.1),
/// DSX_BENCH_TRANSFER_DECAY (the share of the budget over which their epsilon falls, 0.1; the "scratch" row keeps
/// the older schedule, epsilon 1 falling over half the budget),
/// DSX_BENCH_ROWS (which rows to run, comma-separated among random, scratch, scratch-same, transfer, qlearning; default all),
/// DSX_BENCH_REPORT (file to write the markdown result to, rewritten after each row, with one line per run in
/// the same name plus ".runs"; default: the test output only).
/// </summary>
public sealed class DqnTransferBenchmark(ITestOutputHelper output)
{
    /// <summary>Within 5 %, 2 % and 1 % of the optimum; the last is the issue's bar.</summary>
    private static readonly double[] Tolerances = [0.05, 0.02, 0.01];

    /// <summary>Twice the default: per episode the bench is cheap to replay, and the fit of Q is what limits the search.</summary>
    private const int UpdatesPerEpisode = 16;

    [BenchFact]
    public void Transferred_weights_reach_within_one_percent_of_the_optimum_sooner_than_scratch()
    {
        var tables = Environment.GetEnvironmentVariable(BenchFactAttribute.TablesVariable)!;
        var sourceName = Setting("DSX_BENCH_SOURCE", "mobilenet_v1");
        var targetName = Setting("DSX_BENCH_TARGET", "mobilenet_v2");
        var seeds = int.Parse(Setting("DSX_BENCH_SEEDS", "10"), CultureInfo.InvariantCulture);
        var firstSeed = int.Parse(Setting("DSX_BENCH_FIRST_SEED", "1"), CultureInfo.InvariantCulture);
        var budget = int.Parse(Setting("DSX_BENCH_EPISODES", "1000"), CultureInfo.InvariantCulture);
        var trainEpisodes = int.Parse(Setting("DSX_BENCH_TRAIN_EPISODES", "1500"), CultureInfo.InvariantCulture);
        var learningRate = double.Parse(Setting("DSX_BENCH_LEARNING_RATE", "0.001"), CultureInfo.InvariantCulture);
        var epsilonEnd = double.Parse(Setting("DSX_BENCH_EPSILON_END", "0.02"), CultureInfo.InvariantCulture);
        var moves = Setting("DSX_BENCH_MOVES", "0") == "1" ? new ExplorationMoves() : ExplorationMoves.None;
        var aroundBest = Setting("DSX_BENCH_AROUND_BEST", "0") == "1";
        // A learner started from transferred weights explores less at first, or its first episodes would be random and the weights wasted.
        var transferEpsilon = double.Parse(Setting("DSX_BENCH_TRANSFER_EPSILON", "0.1"), CultureInfo.InvariantCulture);
        var transferDecay = double.Parse(Setting("DSX_BENCH_TRANSFER_DECAY", "0.1"), CultureInfo.InvariantCulture);
        var rows = Setting("DSX_BENCH_ROWS", "random,scratch,scratch-same,transfer,qlearning").Split(',');
        var reportPath = Environment.GetEnvironmentVariable("DSX_BENCH_REPORT") is { Length: > 0 } path ? path : null;

        var sourceTable = MeasurementTable.Load(Path.Combine(tables, sourceName + ".json"));
        var targetTable = MeasurementTable.Load(Path.Combine(tables, targetName + ".json"));
        var source = new AdditiveCostModel(sourceTable);
        var target = new AdditiveCostModel(targetTable);
        var optimum = new ExactDp(target.Table).Solve(target.Objective).Cost;
        var report = new StringBuilder();
        report.AppendLine(CultureInfo.InvariantCulture, $"DQN: {UpdatesPerEpisode} updates per episode, learning rate {learningRate}, epsilon floor {epsilonEnd}, exploration moves {moves}, block moves around the best plan: {aroundBest}, other options default; seeds {firstSeed}-{firstSeed + seeds - 1}");
        report.AppendLine(CultureInfo.InvariantCulture, $"source {sourceName}: {source.Space.Layers.Count} layers, optimum {new ExactDp(source.Table).Solve(source.Objective).Cost:F3} ms; target {targetName}: {target.Space.Layers.Count} layers, 10^{target.Space.Log10Size:F1} plans, optimum {optimum:F3} ms");

        var weights = Path.Combine(Path.GetTempPath(), $"dsx-dqn-{sourceName}-{Environment.ProcessId}.weights");
        var clock = Stopwatch.StartNew();
        var options = new DqnOptions { UpdatesPerEpisode = UpdatesPerEpisode, LearningRate = learningRate, EpsilonEnd = epsilonEnd, Moves = moves, BlockMovesAroundBest = aroundBest };
        // The source explores widely (epsilon 1 falling over half its budget), so its network sees many kinds of choice.
        using (var trainer = new DqnStrategy(source.Space, 1000, options with { Board = sourceTable.Board, EpisodeBudget = trainEpisodes, EpsilonStart = 1, EpsilonDecayShare = 0.5 }))
        {
            var trained = EpisodesToTolerance(trainer, source, new ExactDp(source.Table).Solve(source.Objective).Cost, trainEpisodes);
            trainer.SaveWeights(weights);
            report.AppendLine(CultureInfo.InvariantCulture, $"trained on {sourceName} for {trainEpisodes} episodes (seed 1000; best {trained.Best / new ExactDp(source.Table).Solve(source.Objective).Cost:F4} x its optimum, within 1 % at episode {Show(trained.Reached[^1])}) in {clock.Elapsed.TotalSeconds:F0} s");
        }

        var scratch = options with { Board = targetTable.Board, EpisodeBudget = budget, EpsilonStart = 1, EpsilonDecayShare = 0.5 };
        var same = scratch with { EpsilonStart = transferEpsilon, EpsilonDecayShare = transferDecay };
        var schedule = $"epsilon {transferEpsilon} -> {epsilonEnd} over {transferDecay:0.##} of the budget";
        var runs = new (string Key, string Name, Func<ulong, ISearchStrategy> Create)[]
        {
            ("random", "random search", seed => new RandomSearch(target.Space, seed)),
            ("scratch", $"DQN from scratch (epsilon 1 -> {epsilonEnd} over {scratch.EpsilonDecayShare:0.##} of the budget)", seed => new DqnStrategy(target.Space, seed, scratch)),
            ("scratch-same", $"DQN from scratch ({schedule})", seed => new DqnStrategy(target.Space, seed, same)),
            ("transfer", $"DQN from {sourceName} weights ({schedule})", seed => new DqnStrategy(target.Space, seed, same with { InitialWeightsPath = weights })),
            ("qlearning", "Q-learning (for reference)", seed => new QLearningStrategy(target.Space, seed, budget)),
        };

        report.AppendLine();
        report.AppendLine(CultureInfo.InvariantCulture, $"| strategy | episodes to within 5 % (median) | to within 2 % (median) | to within 1 %, per seed (- = not within {budget}) | median | best after {budget} (x optimum, median) | first episode (x optimum, median) |");
        report.AppendLine("|---|---|---|---|---|---|---|");
        foreach (var (_, name, create) in runs.Where(r => rows.Contains(r.Key)))
        {
            var results = new List<Outcome>();
            for (var s = firstSeed; s < firstSeed + seeds; s++)
            {
                var strategy = create((ulong)s);
                using var _ = strategy as IDisposable;
                var outcome = EpisodesToTolerance(strategy, target, optimum, budget);
                results.Add(outcome);
                if (reportPath is not null)
                {
                    File.AppendAllText(reportPath + ".runs", string.Create(CultureInfo.InvariantCulture, $"{name} | seed {s} | within 5/2/1 %: {string.Join(" / ", outcome.Reached.Select(Show))} | best {outcome.Best / optimum:F4} | first {outcome.First / optimum:F3} | at {clock.Elapsed.TotalSeconds:F0} s{Environment.NewLine}"));
                }
            }

            var within = Enumerable.Range(0, Tolerances.Length).Select(t => results.Select(r => r.Reached[t]).ToArray()).ToArray();
            report.AppendLine(CultureInfo.InvariantCulture, $"| {name} | {Show(Median(within[0]))} | {Show(Median(within[1]))} | {string.Join(", ", within[2].Select(Show))} | {Show(Median(within[2]))} | {Median(results.Select(r => r.Best / optimum)):F4} | {Median(results.Select(r => r.First / optimum)):F3} |");
            output.WriteLine($"{name}: done at {clock.Elapsed.TotalSeconds:F0} s");
            if (reportPath is not null)
            {
                File.WriteAllText(reportPath, report.ToString());
            }
        }

        File.Delete(weights);
        report.AppendLine();
        report.AppendLine(CultureInfo.InvariantCulture, $"total {clock.Elapsed.TotalSeconds:F0} s");
        output.WriteLine(report.ToString());
        if (reportPath is not null)
        {
            File.WriteAllText(reportPath, report.ToString());
        }
    }

    /// <summary>One episode at a time, as a search on one board runs: per tolerance the 1-based episode whose plan first came within it (null if none), and the best and first costs.</summary>
    private static Outcome EpisodesToTolerance(ISearchStrategy strategy, AdditiveCostModel model, double optimum, int budget)
    {
        var reached = new int?[Tolerances.Length];
        var best = double.PositiveInfinity;
        var first = double.NaN;
        for (var e = 1; e <= budget; e++)
        {
            var plan = strategy.Propose(1)[0];
            var result = NoiseFreeEpisodes.Play(model, plan);
            strategy.Observe([result]);
            first = e == 1 ? result.TotalCost : first;
            best = Math.Min(best, result.TotalCost);
            for (var t = 0; t < Tolerances.Length; t++)
            {
                if (reached[t] is null && best <= optimum * (1 + Tolerances[t]))
                {
                    reached[t] = e;
                }
            }
        }

        return new Outcome(reached, best, first);
    }

    private static string Setting(string name, string fallback) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } value ? value : fallback;

    private static string Show(int? episodes) => episodes?.ToString(CultureInfo.InvariantCulture) ?? "-";

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    // Not reached counts as above every reached value, so the median of a mostly failing strategy is "-".
    private static int? Median(int?[] values)
    {
        var sorted = values.OrderBy(v => v ?? int.MaxValue).ToArray();
        return sorted[sorted.Length / 2];
    }

    private sealed record Outcome(int?[] Reached, double Best, double First);
}
