using System.CommandLine;
using System.Globalization;
using Dsx.BoardHost;
using Dsx.Search;

namespace Dsx.Cli;

/// <summary>
/// <c>dsx table record MODEL -o T.json</c>: measures a model's design space on a board into a measurement table
/// (every layer x choice, and conversions between formats), saved after every plan so nothing is lost and an
/// interrupted recording continues where it stopped. <c>dsx table show T.json</c> summarises one.
/// </summary>
internal static class TableCommand
{
    public static Command Create()
    {
        var command = new Command("table", "Record or inspect measurement tables (what a board kind's layers cost under each choice).");
        command.Subcommands.Add(CreateRecord());
        command.Subcommands.Add(CreateShow());
        return command;
    }

    private static Command CreateRecord()
    {
        var model = new Argument<string>("model") { Description = "zoo:NAME or the path of an ONNX file." };
        var output = new Option<string>("--output", "-o") { Description = "The table file (JSON); an existing one is extended.", Required = true };
        var plans = new Option<int>("--extra-plans")
        {
            Description = "Random format-mixing plans (for conversions) measured after the coverage plans, which run every layer x choice once "
                + "(one plan per choice of the widest layer).",
            DefaultValueFactory = _ => 40,
        };
        var repeats = new Option<int>("--repeats") { Description = "Timed runs per plan.", DefaultValueFactory = _ => 5 };
        var warmup = new Option<int>("--warmup") { Description = "Untimed runs per plan.", DefaultValueFactory = _ => 1 };
        var seed = new Option<ulong>("--seed") { Description = "Seed of the plan sequence and the generated inputs.", DefaultValueFactory = _ => 1 };
        var board = new Option<string>("--board") { Description = "Where to measure: 'local'.", DefaultValueFactory = _ => LocalBoard.Name };
        var inputShape = new Option<string[]>("--input-shape") { Description = "ONNX models only: NAME=1x3x224x224 (repeatable)." };
        repeats.AtLeast(1);
        plans.AtLeast(0);

        var command = new Command("record", "Measure a model's design space on a board into a table (resumable).")
        {
            model, output, plans, repeats, warmup, seed, board, inputShape,
        };
        command.SetAction((r, ct) => CliErrors.Guard(() => RecordAsync(
            r.GetValue(model)!,
            r.GetValue(output)!,
            r.GetValue(plans),
            new MeasureOptions(Warmup: r.GetValue(warmup), Repeats: r.GetValue(repeats), Seed: r.GetValue(seed)),
            r.GetValue(seed),
            r.GetValue(board)!,
            r.GetValue(inputShape) ?? [],
            ct)));
        return command;
    }

    private static Command CreateShow()
    {
        var table = new Argument<string>("table") { Description = "A table file written by 'dsx table record'." };
        var command = new Command("show", "Summarise a measurement table: layers, choices, coverage, whole-network measurements.") { table };
        command.SetAction((r, ct) => CliErrors.Guard(() =>
        {
            var t = MeasurementTable.Load(r.GetValue(table)!);
            Console.Write(Describe(t));
            return Task.FromResult(ExitCodes.Ok);
        }));
        return command;
    }

    private static async Task<int> RecordAsync(
        string modelArgument, string path, int extraPlans, MeasureOptions options, ulong seed, string board, IReadOnlyList<string> shapes, CancellationToken ct)
    {
        var graph = ModelSource.Load(modelArgument, shapes);
        await using var local = await LocalBoard.OpenAsync(board, graph.Name, graph, ct);
        var space = local.Space;
        var table = local.OpenTable(path);

        var total = RecordingPlans.CoverageCount(space) + extraPlans;
        await Console.Error.WriteLineAsync(
            $"{graph.Name}: {space.Layers.Count} layers, 10^{space.Log10Size:0.0} plans; recording {total} plans "
            + $"({RecordingPlans.CoverageCount(space)} for coverage), {table.Measurements} already in {path}");
        var done = table.Measurements;
        var failures = 0;
        foreach (var plan in RecordingPlans.Sequence(space, seed).Skip(done).Take(Math.Max(0, total - done)))
        {
            var prediction = new AdditiveCostModel(table).Predict(plan);
            var outcome = await local.Session.MeasureAsync(local.ModelHash, space.ToWirePlan(plan), options, ct);
            done++;
            if (outcome.Failure is { } failure)
            {
                // A plan that fails is recorded as measured so the sequence moves on; the failure is reported, not hidden.
                failures++;
                await Console.Error.WriteLineAsync($"[{done}/{total}] failed: {failure}");
                continue;
            }

            var reply = outcome.Reply!;
            table.Record(plan, reply, prediction.LatencyMs, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
            table.Save(path);
            await Console.Error.WriteLineAsync(string.Create(
                CultureInfo.InvariantCulture,
                $"[{done}/{total}] {reply.EndToEnd.MedianMs,9:0.00} ms end-to-end, coverage {table.ComputeCoverage:P0}"));
        }

        Console.Write(Describe(table));
        return failures == 0 ? ExitCodes.Ok : ExitCodes.Failure;
    }

    /// <summary>Whether a table recorded over <paramref name="a"/> fits the board's space <paramref name="b"/>: same layers, same choices.</summary>
    private static string Describe(MeasurementTable table)
    {
        var space = table.Space;
        var conversions = space.Layers.Sum(l => table.Conversions(l.Index).Count);
        var lines = new List<string>
        {
            $"table of {space.Model} on '{table.Board.Kind}' ({table.Board.Isa}{(table.Board.Emulated ? ", emulated" : "")}, executor {table.Board.ExecutorVersion})",
            string.Create(CultureInfo.InvariantCulture, $"  layers {space.Layers.Count}, choices {space.Layers.Sum(l => l.Choices.Count)}, plans 10^{space.Log10Size:0.0}"),
            string.Create(CultureInfo.InvariantCulture, $"  measurements {table.Measurements}, compute coverage {table.ComputeCoverage:P1}, conversion entries {conversions}"),
        };
        if (table.EndToEnd.Count > 0)
        {
            var best = table.EndToEnd.MinBy(e => e.MedianMs)!;
            var errors = table.EndToEnd.Where(e => e.PredictedMs is > 0).Select(e => Math.Abs(e.PredictedMs!.Value - e.MedianMs) / e.MedianMs).ToList();
            lines.Add(string.Create(CultureInfo.InvariantCulture, $"  fastest measured plan {best.MedianMs:0.00} ms end-to-end"));
            if (errors.Count > 0)
            {
                lines.Add(string.Create(CultureInfo.InvariantCulture, $"  additive prediction error: median {errors.Order().ElementAt(errors.Count / 2):P1} over {errors.Count} plans"));
            }
        }

        return string.Join(Environment.NewLine, lines) + Environment.NewLine;
    }
}
