using System.CommandLine;
using Dsx.BoardHost;
using Dsx.Model;
using Dsx.Wire;

namespace Dsx.Cli;

/// <summary>
/// <c>dsx demo</c>: measures the BLAS baseline and every single-library plan of a zoo model on the local
/// executor and compares them: the paper's starting point, before any per-layer search.
/// </summary>
internal static class DemoCommand
{
    private const double BytesPerMiB = 1024.0 * 1024.0;

    public static Command Create()
    {
        var model = new Option<string>("--model")
        {
            Description = "Model from the built-in zoo (see 'dsx models list').",
            DefaultValueFactory = _ => "mobilenet_v2",
        };
        model.AcceptOnlyFromAmong([.. ModelZoo.Names]);

        var repeats = new Option<int>("--repeats")
        {
            Description = "Timed runs per plan (after one warm-up run); the table shows their median and minimum.",
            DefaultValueFactory = _ => 5,
        };
        repeats.Validators.Add(r => RequirePositive(r, "--repeats"));

        var threads = new Option<int>("--threads")
        {
            Description = "Threads every layer may use.",
            DefaultValueFactory = _ => 1,
        };
        threads.Validators.Add(r => RequirePositive(r, "--threads"));

        var command = new Command(
            "demo",
            "Start the local executor, measure the BLAS baseline plan and each single-library plan of a zoo model "
            + "(every conv and FC layer on one library), and print a comparison table.")
        {
            model, repeats, threads,
        };
        command.SetAction((result, cancellationToken) =>
            RunAsync(result.GetValue(model)!, result.GetValue(repeats), result.GetValue(threads), cancellationToken));
        return command;
    }

    private static void RequirePositive(System.CommandLine.Parsing.OptionResult result, string name)
    {
        if (result.GetValueOrDefault<int>() < 1)
        {
            result.AddError($"{name} must be at least 1.");
        }
    }

    private static async Task<int> RunAsync(string modelName, int repeats, int threads, CancellationToken cancellationToken)
    {
        try
        {
            return await MeasureAllAsync(modelName, repeats, threads, cancellationToken);
        }
        catch (Exception e) when (e is ExecutorNotFoundException or ExecutorFailureException or ExecutorErrorException or ProtocolVersionMismatchException)
        {
            await Console.Error.WriteLineAsync($"dsx: {e.Message}");
            return ExitCodes.Failure;
        }
    }

    private static async Task<int> MeasureAllAsync(string modelName, int repeats, int threads, CancellationToken cancellationToken)
    {
        var launch = ExecutorLaunch.Local(ExecutorLocator.Locate());
        await Progress($"building {modelName} ...");
        var graph = ModelZoo.Build(modelName);

        await Progress($"starting {launch} ...");
        await using var session = await BoardSession.StartAsync(launch, cancellationToken: cancellationToken);
        PrintHello(session.Capabilities);

        await Progress($"loading {modelName} ({graph.Nodes.Count} nodes) ...");
        var loaded = await session.LoadModelAsync(graph, cancellationToken);

        var results = await SingleLibraryComparison.MeasureAsync(
            session, graph, loaded.Hash, threads, new MeasureOptions(Repeats: repeats), cancellationToken);
        var table = new TextTable("plan", "median ms", "min ms", "peak MiB", "speedup");
        var baselineMs = results.FirstOrDefault(r => r.IsBaseline)?.Reply?.EndToEnd.MedianMs;
        foreach (var result in results.Where(r => r.SkipReason is null))
        {
            if (result.Outcome?.Failure is { } failure)
            {
                var why = failure.Kind == MeasurementFailureKind.ExecutorError ? $"{failure.ErrorCode}" : $"{failure.Kind}";
                table.AddRow(result.Label, $"failed: {why}", "-", "-", "-");
                continue;
            }

            var measured = result.Reply!;
            var medianMs = measured.EndToEnd.MedianMs;
            table.AddRow(
                result.Label,
                Format(medianMs, "0.00"),
                Format(measured.EndToEnd.MinMs, "0.00"),
                Format(measured.Memory.PeakBytes / BytesPerMiB, "0.0"),
                baselineMs is { } b ? $"{Format(b / medianMs, "0.00")}x" : "-");
        }

        Console.WriteLine();
        Console.WriteLine($"{modelName}: end-to-end latency per plan ({repeats} timed runs, {threads} thread{(threads == 1 ? "" : "s")})");
        Console.Write(table.Render());
        if (SingleLibraryComparison.Fastest(results) is { } best)
        {
            var bestMs = best.Reply!.EndToEnd.MedianMs;
            var versus = baselineMs is { } b ? $", {Format(b / bestMs, "0.00")}x the baseline" : "";
            Console.WriteLine($"fastest single-library plan: {best.Label} ({Format(bestMs, "0.00")} ms{versus})");
        }

        await Progress("shutting down the executor ...");
        await session.ShutdownAsync(cancellationToken);
        return results.Any(r => r.Outcome?.Failure is not null) ? ExitCodes.Failure : ExitCodes.Ok;
    }

    private static void PrintHello(HelloReply hello)
    {
        Console.WriteLine($"executor {hello.ExecutorVersion} (protocol {hello.ProtocolVersion})");
        Console.WriteLine($"  isa:        {hello.Isa}{(hello.Emulated ? "  [emulated: timings are not Cortex-A figures]" : "")}");
        Console.WriteLine($"  cores:      {hello.Cores}");
        Console.WriteLine($"  libraries:  {(hello.Libraries.Count == 0 ? "(none)" : string.Join(", ", hello.Libraries))}");
        Console.WriteLine($"  primitives: {string.Join(", ", hello.Primitives.Select(p => p.Name))}");
    }

    private static Task Progress(string line) => Console.Error.WriteLineAsync(line);

    private static string Format(double value, string format) => value.ToString(format, TextTable.Culture);
}
