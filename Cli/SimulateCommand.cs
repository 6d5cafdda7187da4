using System.CommandLine;
using System.Globalization;
using System.Runtime.ExceptionServices;
using Dsx.Search;

namespace Dsx.Cli;

/// <summary>
/// <c>dsx simulate --table T.json --strategy all --episodes 1000 --seeds 20</c>: replays recorded tables with their
/// measured noise (<see cref="TableSimulator"/>), runs each strategy once per seed, and reports the regret of the plan
/// each search would pick (its true cost over the exact DP optimum, minus 1) at checkpoints.
/// </summary>
internal static class SimulateCommand
{
    private static readonly int[] DefaultCheckpoints = [100, 300, 1000];

    private sealed record Settings(
        IReadOnlyList<string> Tables,
        IReadOnlyList<string> Strategies,
        int Episodes,
        int Seeds,
        IReadOnlyList<int> Checkpoints,
        Objective Objective,
        int Batch,
        bool MeasuredNoise,
        double Within,
        bool Json,
        string? Markdown,
        string? Csv,
        string? Plot,
        string? DqnWeights,
        string? SaveDqnWeights);

    public static Command Create()
    {
        var tables = new Option<string[]>("--table")
        {
            Description = "A measurement table written by 'dsx table record' (repeatable: one simulation per table).",
            Required = true,
            AllowMultipleArgumentsPerToken = false,
        };
        var strategies = new Option<string>("--strategy")
        {
            Description = $"Comma-separated strategies, or 'all' ({string.Join(", ", StrategyFactory.Names)}).",
            DefaultValueFactory = _ => "all",
        };
        var episodes = new Option<int>("--episodes") { Description = "Episodes per search (the learners' budget).", DefaultValueFactory = _ => 1000 };
        var seeds = new Option<int>("--seeds") { Description = "Searches per strategy, with seeds 1..K.", DefaultValueFactory = _ => 20 };
        var checkpoints = new Option<string>("--checkpoints")
        {
            Description = "Comma-separated episode counts at which to report regret (default: 100,300,1000 up to --episodes, and --episodes).",
        };
        var objective = new Option<string>("--objective")
        {
            Description = "latency, memory, weighted:MS_PER_MIB or latency-cap:SIZE.",
            DefaultValueFactory = _ => "latency",
        };
        var batch = new Option<int>("--batch")
        {
            Description = "Plans out at once, each on a board of its own, as an exploration's --batch: the learner sees each result as its board finishes and proposes the next plan then.",
            DefaultValueFactory = _ => 1,
        };
        var noise = new Option<string>("--noise")
        {
            Description = "'measured': replay each entry's recorded spread; 'none': every quantity is its estimate, so observed and true costs agree.",
            DefaultValueFactory = _ => "measured",
        };
        noise.AcceptOnlyFromAmong("measured", "none");
        var within = new Option<double>("--within")
        {
            Description = "Also report the episodes and board seconds each search needs until its pick stays within this fraction of the optimum.",
            DefaultValueFactory = _ => 0.01,
        };
        within.Require(w => w is >= 0 and < 1, "--within must be a fraction between 0 and 1 (0.01 = within 1% of the optimum).");
        var json = new Option<bool>("--json") { Description = "Print one JSON document instead of the tables." };
        var markdown = new Option<string>("--markdown") { Description = "Also write the regret table as Markdown to this file." };
        var csv = new Option<string>("--csv") { Description = "Also write mean/min/max regret after every episode as CSV to this file." };
        var plot = new Option<string>("--plot") { Description = "Also plot mean regret vs episodes (log-log, one panel per table) to this PNG." };
        foreach (var positive in new[] { episodes, seeds, batch })
        {
            positive.AtLeast(1);
        }

        var command = new Command(
            "simulate",
            "Compare search strategies on recorded tables: regret of each search's pick against the exact DP optimum, over seeds.")
        {
            tables, strategies, episodes, seeds, checkpoints, objective, batch, noise, within, json, markdown, csv, plot,
        };
        var dqnWeights = new DqnWeightsOptions();
        dqnWeights.AddTo(command, r => r.GetValue(strategies)?.Split(',', StringSplitOptions.TrimEntries).Any(n => n is "dqn" or "all") == true);
        command.Validators.Add(r =>
        {
            if (r.GetValue(dqnWeights.Save) is not null && ((r.GetValue(tables)?.Length ?? 0) != 1 || r.GetValue(seeds) != 1))
            {
                r.AddError("--save-dqn-weights keeps the network of one search: give one --table and --seeds 1.");
            }
        });
        command.SetAction((r, ct) => CliErrors.Guard(() =>
        {
            var n = r.GetValue(episodes);
            var settings = new Settings(
                r.GetValue(tables) ?? [],
                ParseStrategies(r.GetValue(strategies)!),
                n,
                r.GetValue(seeds),
                ParseCheckpoints(r.GetValue(checkpoints), n),
                ParseObjective(r.GetValue(objective)!),
                r.GetValue(batch),
                r.GetValue(noise) == "measured",
                r.GetValue(within),
                r.GetValue(json),
                r.GetValue(markdown),
                r.GetValue(csv),
                r.GetValue(plot),
                r.GetValue(dqnWeights.Load),
                r.GetValue(dqnWeights.Save));
            return Task.FromResult(Run(settings, ct));
        }));
        return command;
    }

    private static int Run(Settings settings, CancellationToken ct)
    {
        DqnWeightsOptions.CheckFiles(settings.DqnWeights, settings.SaveDqnWeights);
        var loaded = settings.Tables.Select(path => (Path: path, Table: MeasurementTable.Load(path))).ToList();
        var results = new List<TableRegret>();
        foreach (var (path, table) in loaded)
        {
            ExactDpResult optimum;
            try
            {
                optimum = new ExactDp(new TableSimulator(table, settings.Objective, 0, settings.MeasuredNoise).Truth.Table).Solve(settings.Objective);
            }
            catch (Exception e) when (e is DpStateLimitException or InvalidOperationException)
            {
                Console.Error.WriteLine($"dsx: {path}: no optimum to score against: {e.Message}");
                return ExitCodes.Failure;
            }

            var strategies = settings.Strategies.Select(name => Simulate(table, name, optimum.Cost, settings, ct)).ToList();
            results.Add(new TableRegret(table.Space.Model, path, optimum.Cost, optimum.ProvenOptimal, optimum.LowerBound, strategies));
        }

        var report = new SimulationReport(results, settings.Checkpoints, settings.Objective, settings.Episodes, settings.Seeds, settings.MeasuredNoise, settings.Within);
        Console.Write(settings.Json ? report.ToJson() : report.ToText());
        if (settings.Markdown is { } markdownPath)
        {
            File.WriteAllText(markdownPath, report.ToMarkdown());
        }

        if (settings.Csv is { } csvPath)
        {
            File.WriteAllText(csvPath, report.ToCsv());
        }

        if (settings.Plot is { } plotPath)
        {
            RegretPlot.Save(results, settings.Objective, settings.MeasuredNoise, plotPath);
        }

        return ExitCodes.Ok;
    }

    private static StrategyRegret Simulate(MeasurementTable table, string name, double optimum, Settings settings, CancellationToken ct)
    {
        var perSeed = new double[settings.Seeds][];
        var reach = new TargetReach[settings.Seeds];
        // Seeds are independent searches: run them on the machine's cores; each writes only its own row.
        try
        {
            RunSeeds();
        }
        catch (AggregateException e)
        {
            // What failed in a seed's search (a weights file of another version) is reported as it would be outside the loop.
            ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
        }

        return new StrategyRegret(name, perSeed, reach);

        void RunSeeds() => Parallel.For(0, settings.Seeds, new ParallelOptions { CancellationToken = ct, MaxDegreeOfParallelism = Environment.ProcessorCount }, s =>
        {
            var seed = (ulong)(s + 1);
            var strategy = StrategyFactory.Create(name, table.Space, seed, settings.Episodes, table.Board, name == "dqn" ? settings.DqnWeights : null);
            using var disposable = strategy as IDisposable;
            // The board's noise has its own stream, so it does not shift with how many draws a strategy makes.
            var simulator = new TableSimulator(table, settings.Objective, seed * 0x9E3779B97F4A7C15UL, settings.MeasuredNoise);
            var trace = SimulationRun.Execute(strategy, simulator, settings.Episodes, settings.Batch);
            if (name == "dqn" && settings.SaveDqnWeights is { } weightsPath)
            {
                DqnWeightsOptions.WriteWeights(strategy, weightsPath);
            }

            perSeed[s] = [.. Enumerable.Range(1, settings.Episodes).Select(e => trace.Regret(e, optimum))];
            var reached = trace.EpisodesToReach(optimum, settings.Within);
            reach[s] = new TargetReach(reached, reached is { } e ? trace.BoardMs[e - 1] / 1000 : null);
        });
    }

    private static string[] ParseStrategies(string text)
    {
        var names = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (names.Length == 1 && names[0] == "all")
        {
            return [.. StrategyFactory.Names];
        }

        var unknown = names.Where(n => !StrategyFactory.Names.Contains(n)).ToList();
        if (names.Length == 0 || unknown.Count > 0)
        {
            throw new UsageException(
                $"unknown strategy '{string.Join(", ", unknown)}' for --strategy; known: {string.Join(", ", StrategyFactory.Names)} (or 'all')");
        }

        return [.. names.Distinct()];
    }

    private static int[] ParseCheckpoints(string? text, int episodes)
    {
        if (text is null)
        {
            return [.. DefaultCheckpoints.Where(c => c < episodes).Append(episodes)];
        }

        var checkpoints = new List<int>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var c) || c < 1 || c > episodes)
            {
                throw new UsageException($"--checkpoints: '{part}' is not an episode count between 1 and --episodes ({episodes})");
            }

            checkpoints.Add(c);
        }

        return checkpoints.Count > 0 ? [.. checkpoints.Distinct().Order()] : throw new UsageException("--checkpoints names no episode count");
    }

    private static Objective ParseObjective(string text)
    {
        try
        {
            return Objective.Parse(text);
        }
        catch (FormatException e)
        {
            throw new UsageException($"--objective: {e.Message}");
        }
    }
}
