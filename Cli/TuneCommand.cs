using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using Dsx.BoardHost;
using Dsx.Model;
using Dsx.Search;
using Dsx.Wire;

namespace Dsx.Cli;

/// <summary>
/// <c>dsx tune MODEL</c>: searches the per-layer plan of a model on a board with a strategy, reusing and extending a
/// measurement table, confirms the best candidates end-to-end, checks quantised plans against FP32 on a calibration
/// set, then measures the BLAS baseline and reports the best plan beside it (or one JSON document).
/// </summary>
internal static class TuneCommand
{
    private sealed record Settings(
        string Model,
        string Board,
        string Strategy,
        int Episodes,
        int Batch,
        Objective Objective,
        string? Table,
        bool AllowInt8,
        bool SeedWithLibraries,
        string? Calibration,
        int CalibrationSize,
        AccuracyThresholds Thresholds,
        int ConfirmTopK,
        int FinalRounds,
        MeasureOptions Timing,
        ulong Seed,
        string? Output,
        bool Json,
        IReadOnlyList<string> InputShapes,
        string? DqnWeights,
        string? SaveDqnWeights);

    public static Command Create()
    {
        var model = new Argument<string>("model") { Description = "zoo:NAME for a built-in model, or the path of an ONNX file." };
        var board = new Option<string>("--board") { Description = "Where to measure: 'local' (the local executor).", DefaultValueFactory = _ => LocalBoard.Name };
        var strategy = new Option<string>("--strategy")
        {
            Description = $"The search strategy: {string.Join(", ", StrategyFactory.Names)}.",
            DefaultValueFactory = _ => "qlearning",
        };
        var episodes = new Option<int>("--episodes") { Description = "Plans the strategy proposes (the search budget).", DefaultValueFactory = _ => 100 };
        var batch = new Option<int>("--batch") { Description = "Episodes out at once; the strategy sees each result as it comes back and proposes the next.", DefaultValueFactory = _ => 1 };
        var objective = new Option<string>("--objective")
        {
            Description = "What to minimise: latency, memory, weighted:MS_PER_MIB (e.g. weighted:0.5) or latency-cap:SIZE (e.g. latency-cap:64MiB).",
            DefaultValueFactory = _ => "latency",
        };
        var table = new Option<string>("--table")
        {
            Description = "A measurement table (JSON) to reuse and extend; created if missing, saved after every measurement.",
        };
        var int8 = new Option<bool>("--int8") { Description = "Allow INT8 layers (the default); quantised plans must pass the accuracy guard." };
        var noInt8 = new Option<bool>("--no-int8") { Description = "Search FP32 choices only." };
        var noSeeds = new Option<bool>("--no-seed-plans")
        {
            Description = "Do not measure the single-library plans (every conv/FC on one library) as the first episodes; by default they "
                + "are, so the search starts from what you would try by hand and never ends worse than the best of them.",
        };
        var calibration = new Option<string>("--calibration")
        {
            Description = "Folder of calibration inputs for the accuracy guard: *.npy float32 arrays of the model input's shape, "
                + "optional labels.txt (one class per line). Default: seeded random inputs.",
        };
        var calibrationSize = new Option<int>("--calibration-size") { Description = "How many seeded calibration inputs.", DefaultValueFactory = _ => 8 };
        var top1 = new Option<double>("--top1-agreement")
        {
            Description = "Share of calibration inputs whose top-1 class must match FP32.",
            DefaultValueFactory = _ => AccuracyThresholds.Default.MinTop1Agreement,
        };
        var tolerated = new Option<int>("--tolerated-disagreements")
        {
            Description = "Top-1 disagreements accepted whatever the share (one near-tie flip on a handful of random inputs is noise).",
            DefaultValueFactory = _ => AccuracyThresholds.Default.ToleratedDisagreements,
        };
        var maxError = new Option<double>("--max-rel-error")
        {
            Description = "Largest relative L2 error of the output against FP32 on any calibration input.",
            DefaultValueFactory = _ => AccuracyThresholds.Default.MaxRelativeError,
        };
        var maxDrop = new Option<double>("--max-accuracy-drop")
        {
            Description = "With labels: largest loss of top-1 accuracy against FP32, as a fraction (0.01 = 1 point).",
            DefaultValueFactory = _ => AccuracyThresholds.Default.MaxAccuracyDrop,
        };
        var confirmTop = new Option<int>("--confirm-top") { Description = "Best predicted plans confirmed end-to-end at the end.", DefaultValueFactory = _ => 3 };
        var finalRounds = new Option<int>("--final-rounds")
        {
            Description = "Run-off at the end: the best confirmed plans, the best seed plan and the baseline measured again in turn, this many rounds; "
                + "each is judged by the median of its measurements (0: none).",
            DefaultValueFactory = _ => 2,
        };
        var repeats = new Option<int>("--repeats") { Description = "Timed runs per measurement.", DefaultValueFactory = _ => 5 };
        var warmup = new Option<int>("--warmup") { Description = "Untimed runs per measurement.", DefaultValueFactory = _ => 1 };
        var seed = new Option<ulong>("--seed") { Description = "Seed of the strategy, the generated inputs and the seeded calibration set.", DefaultValueFactory = _ => 1 };
        var output = new Option<string>("--output", "-o") { Description = "Write the best plan to this plan file (JSON, as read by 'dsx run --plan')." };
        var json = new Option<bool>("--json") { Description = "Print one JSON document instead of the tables." };
        var inputShape = new Option<string[]>("--input-shape") { Description = "ONNX models only: NAME=1x3x224x224 (repeatable)." };

        foreach (var (option, minimum) in new[] { (episodes, 1), (batch, 1), (calibrationSize, 1), (repeats, 1), (warmup, 0), (confirmTop, 0), (tolerated, 0) })
        {
            option.AtLeast(minimum);
        }

        foreach (var option in new[] { top1, maxDrop })
        {
            option.Require(f => f is >= 0 and <= 1, $"{option.Name} must be a fraction between 0 and 1 (e.g. 0.99).");
        }

        maxError.Require(e => e >= 0, "--max-rel-error must not be negative.");

        var command = new Command(
            "tune",
            "Search the fastest per-layer plan of a model on a board: a strategy proposes plans, the table answers what it knows, "
            + "the board measures the rest; the best candidates are confirmed end-to-end and quantised ones checked against FP32.")
        {
            model, board, strategy, episodes, batch, objective, table, int8, noInt8, noSeeds, calibration, calibrationSize, top1, tolerated, maxError, maxDrop,
            confirmTop, finalRounds, repeats, warmup, seed, output, json, inputShape,
        };
        var dqnWeights = new DqnWeightsOptions();
        dqnWeights.AddTo(command, r => r.GetValue(strategy) == "dqn");
        command.Validators.Add(r =>
        {
            if (r.GetValue(int8) && r.GetValue(noInt8))
            {
                r.AddError("--int8 and --no-int8 contradict each other; give one.");
            }
        });
        command.SetAction((r, ct) => CliErrors.Guard(() => RunAsync(
            new Settings(
                r.GetValue(model)!,
                r.GetValue(board)!,
                r.GetValue(strategy)!,
                r.GetValue(episodes),
                r.GetValue(batch),
                ParseObjective(r.GetValue(objective)!),
                r.GetValue(table),
                !r.GetValue(noInt8),
                !r.GetValue(noSeeds),
                r.GetValue(calibration),
                r.GetValue(calibrationSize),
                new AccuracyThresholds(r.GetValue(top1), r.GetValue(tolerated), r.GetValue(maxError), r.GetValue(maxDrop)),
                r.GetValue(confirmTop),
                r.GetValue(finalRounds),
                new MeasureOptions(Warmup: r.GetValue(warmup), Repeats: r.GetValue(repeats), Seed: r.GetValue(seed)),
                r.GetValue(seed),
                r.GetValue(output),
                r.GetValue(json),
                r.GetValue(inputShape) ?? [],
                r.GetValue(dqnWeights.Load),
                r.GetValue(dqnWeights.Save)),
            ct)));
        return command;
    }

    private static async Task<int> RunAsync(Settings settings, CancellationToken cancellationToken)
    {
        if (!StrategyFactory.Names.Contains(settings.Strategy))
        {
            throw new UsageException($"unknown strategy '{settings.Strategy}'; known: {string.Join(", ", StrategyFactory.Names)}.");
        }

        OutputPath.CheckFolder(settings.Output, "--output");
        DqnWeightsOptions.CheckFiles(settings.DqnWeights, settings.SaveDqnWeights);
        var graph = ModelSource.Load(settings.Model, settings.InputShapes);
        var calibration = settings.Calibration is { } folder
            ? CalibrationSet.FromFolder(folder, graph.Inputs)
            : CalibrationSet.Seeded(graph.Inputs, settings.CalibrationSize, settings.Seed);
        await using var local = await LocalBoard.OpenAsync(settings.Board, graph.Name, graph, cancellationToken);
        var space = local.Space;
        var table = settings.Table is { } path ? local.OpenTable(path) : new MeasurementTable(local.Space, local.Description);
        var strategySpace = WithoutFailing(settings.AllowInt8 ? space : WithoutInt8(space), table, settings.Table);
        var strategy = StrategyFactory.Create(settings.Strategy, strategySpace, settings.Seed, settings.Episodes, local.Description, settings.DqnWeights);
        using var disposable = strategy as IDisposable;
        var measurer = new BoardPlanMeasurer(local, settings.Timing, calibration, graph.Outputs[0].Name);
        var exploration = new Exploration(
            table,
            strategySpace,
            strategy,
            measurer,
            new ExplorationSettings
            {
                Episodes = settings.Episodes,
                Batch = settings.Batch,
                Objective = settings.Objective,
                ConfirmTopK = settings.ConfirmTopK,
                FinalRounds = settings.FinalRounds,
                Accuracy = settings.Thresholds,
                AccuracyReference = ReferencePlan(space, graph),
                Baseline = ReferencePlan(space, graph),
                CalibrationLabels = calibration.Labels,
                SeedPlans = settings.SeedWithLibraries ? SeedPlans.SingleLibraries(table) : [],
            },
            new StderrProgress());
        if (settings.Table is { } tablePath)
        {
            exploration.TableChanged += t => t.Save(tablePath);
        }

        await Console.Error.WriteLineAsync(string.Create(
            CultureInfo.InvariantCulture,
            $"{graph.Name}: {space.Layers.Count} layers, 10^{strategySpace.Log10Size:0.0} plans{(settings.AllowInt8 ? "" : " (FP32 only)")}; "
            + $"{settings.Strategy} for {settings.Episodes} episodes, objective {settings.Objective}, "
            + $"{table.Measurements} measurements already in the table; accuracy guard on {calibration.Description}"));
        var result = await exploration.RunAsync(cancellationToken);
        if (settings.SaveDqnWeights is { } weightsPath)
        {
            DqnWeightsOptions.WriteWeights(strategy, weightsPath);
        }

        await Console.Error.WriteLineAsync("measuring the baseline plan ...");
        var baseline = await local.Session.MeasureAsync(local.ModelHash, PlanFactory.Baseline(graph), settings.Timing, cancellationToken);
        if (baseline.Failure is { } baselineFailure)
        {
            await Console.Error.WriteLineAsync($"dsx: the baseline plan failed: {baselineFailure.ToString().Split('\n')[0]}");
        }

        var report = new TuneReport(graph, table, result, baseline.Reply, settings.Strategy, settings.Objective, calibration.Description);
        if (result.Best is { } best && settings.Output is { } planPath)
        {
            PlanJson.WriteFile(planPath, space.ToWirePlan(best.Plan));
            await Console.Error.WriteLineAsync($"wrote the best plan to {planPath}");
        }

        Console.Write(settings.Json ? report.ToJson() : report.ToText());
        if (result.Best is null)
        {
            await Console.Error.WriteLineAsync("dsx: no plan could be confirmed end-to-end (every measurement failed or was rejected); see the lines above.");
            return ExitCodes.Failure;
        }

        return ExitCodes.Ok;
    }

    private static SearchSpace WithoutInt8(SearchSpace space)
    {
        try
        {
            return space.WithoutInt8();
        }
        catch (InvalidOperationException e)
        {
            throw new UsageException($"--no-int8: {e.Message}.");
        }
    }

    /// <summary>The choices the table knows to fail on this board kind are never proposed.</summary>
    private static SearchSpace WithoutFailing(SearchSpace space, MeasurementTable table, string? tablePath)
    {
        try
        {
            return space.Without(table.FailingChoices());
        }
        catch (InvalidOperationException e)
        {
            throw new UsageException($"--table {tablePath}: {e.Message}.");
        }
    }

    private static CandidatePlan ReferencePlan(SearchSpace space, Graph graph)
    {
        try
        {
            return AccuracyReference.For(space, graph);
        }
        catch (InvalidOperationException e)
        {
            throw new UsageException(e.Message + ".");
        }
    }

    private static Objective ParseObjective(string text)
    {
        try
        {
            return Objective.Parse(text);
        }
        catch (FormatException e)
        {
            throw new UsageException($"--objective: {e.Message}.");
        }
    }
}
