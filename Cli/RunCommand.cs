using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Dsx.BoardHost;
using Dsx.Model;
using Dsx.Wire;
using Google.Protobuf.Reflection;

namespace Dsx.Cli;

/// <summary>
/// <c>dsx run MODEL --plan PLAN</c>: runs one model under one plan on a board and prints, per layer, the
/// choice it ran and its time, then the end-to-end latency and memory (or all of it as one JSON document).
/// </summary>
internal static class RunCommand
{
    private const double BytesPerMiB = 1024.0 * 1024.0;
    
    private static readonly EnumDescriptor LayoutEnum = DsxExecutorReflection.Descriptor.FindTypeByName<EnumDescriptor>("Layout");
    private static readonly EnumDescriptor PrecisionEnum = DsxExecutorReflection.Descriptor.FindTypeByName<EnumDescriptor>("Precision");

    private sealed record Settings(
        string Model,
        string Plan,
        string Board,
        int? Threads,
        int Repeats,
        int Warmup,
        string? Input,
        string? Output,
        bool Json,
        IReadOnlyList<string> InputShapes);

    public static Command Create()
    {
        var model = new Argument<string>("model")
        {
            Description = "zoo:NAME for a built-in model (see 'dsx models list'), or the path of an ONNX file.",
        };
        var plan = new Option<string>("--plan")
        {
            Description = "'baseline' (im2col_blas on every conv/FC), 'fastest-single' (measure every single-library plan, run the fastest) "
                + "or a plan file (JSON, see docs).",
            Required = true,
        };
        var board = new Option<string>("--board")
        {
            Description = "Where to run: 'local' (the local executor: $DSX_EXECUTOR or the repository build).",
            DefaultValueFactory = _ => LocalBoard.Name,
        };
        var threads = new Option<int?>("--threads")
        {
            Description = "Threads per layer (default 1; for a plan file, overrides its default_threads).",
        };
        threads.Require(t => t is null or >= 1, "--threads must be at least 1.");
        var repeats = new Option<int>("--repeats") { Description = "Timed runs.", DefaultValueFactory = _ => 5 };
        repeats.AtLeast(1);
        var warmup = new Option<int>("--warmup") { Description = "Untimed runs before the timed ones.", DefaultValueFactory = _ => 1 };
        warmup.Require(w => w >= 0, "--warmup must not be negative.");
        var input = new Option<string>("--input") { Description = "The model input as a float32 C-order .npy (default: seeded random)." };
        var output = new Option<string>("--output") { Description = "Write the model output to this .npy file." };
        var json = new Option<bool>("--json") { Description = "Print one JSON document instead of the table." };
        var inputShape = new Option<string[]>("--input-shape")
        {
            Description = "ONNX models only: fix an input's shape, NAME=1x3x224x224 (repeatable).",
            AllowMultipleArgumentsPerToken = false,
        };

        var command = new Command(
            "run",
            "Run a model under one plan on a board; print per-layer choices and times, end-to-end latency and memory.")
        {
            model, plan, board, threads, repeats, warmup, input, output, json, inputShape,
        };
        command.SetAction((result, cancellationToken) => RunAsync(
            new Settings(
                result.GetValue(model)!,
                result.GetValue(plan)!,
                result.GetValue(board)!,
                result.GetValue(threads),
                result.GetValue(repeats),
                result.GetValue(warmup),
                result.GetValue(input),
                result.GetValue(output),
                result.GetValue(json),
                result.GetValue(inputShape) ?? []),
            cancellationToken));
        return command;
    }

    private static Task<int> RunAsync(Settings settings, CancellationToken cancellationToken) =>
        CliErrors.Guard(() => RunCheckedAsync(settings, cancellationToken));

    private static async Task<int> RunCheckedAsync(Settings settings, CancellationToken cancellationToken)
    {
        if (settings.Board != LocalBoard.Name)
        {
            throw new UsageException(
                $"unknown board '{settings.Board}': only '{LocalBoard.Name}' (the local executor) exists without a cluster; farms of boards come with 'dsx silo'.");
        }

        OutputPath.CheckFolder(settings.Output, "--output");
        var graph = ModelSource.Load(settings.Model, settings.InputShapes);
        var threads = settings.Threads ?? 1;
        var planIsNamed = settings.Plan is "baseline" or "fastest-single";
        Plan? plan = null;
        var planLabel = settings.Plan;
        if (settings.Plan == "baseline")
        {
            plan = PlanFactory.Baseline(graph, threads);
            planLabel = $"baseline ({PlanFactory.Blas.ConvPrimitive})";
        }
        else if (!planIsNamed)
        {
            if (!File.Exists(settings.Plan))
            {
                throw new UsageException($"--plan '{settings.Plan}' is neither 'baseline', 'fastest-single' nor an existing plan file.");
            }

            plan = PlanJson.ReadFile(settings.Plan);
            if (settings.Threads is { } overrideThreads)
            {
                plan.DefaultThreads = overrideThreads;
            }

            if (PlanValidation.Check(graph, plan) is { } problem)
            {
                throw new UsageException($"{settings.Plan}: {problem}.");
            }
        }

        var inputs = ReadInputs(settings, graph);

        var launch = ExecutorLaunch.Local(ExecutorLocator.Locate());
        await Progress($"starting {launch} ...");
        await using var session = await BoardSession.StartAsync(launch, cancellationToken: cancellationToken);
        var hello = session.Capabilities;
        await Progress($"loading {graph.Name} ({graph.Nodes.Count} nodes) ...");
        var loaded = await session.LoadModelAsync(graph, cancellationToken);

        if (plan is null)
        {
            var results = await SingleLibraryComparison.MeasureAsync(
                session, graph, loaded.Hash, threads, new MeasureOptions(Warmup: settings.Warmup, Repeats: settings.Repeats), cancellationToken);
            var fastest = SingleLibraryComparison.Fastest(results);
            if (fastest is null)
            {
                await Console.Error.WriteLineAsync("dsx: no single-library plan could be measured; see the failures above.");
                return ExitCodes.Failure;
            }

            plan = fastest.Plan;
            planLabel = $"fastest-single: {fastest.Label}";
            await Progress($"fastest single-library plan: {fastest.Label} ({Format(fastest.Reply!.EndToEnd.MedianMs, "0.00")} ms)");
        }

        await Progress($"running {graph.Name} under {planLabel} ({settings.Warmup} warm-up, {settings.Repeats} timed runs) ...");
        var outcome = await session.MeasureAsync(
            loaded.Hash,
            plan,
            new MeasureOptions(Warmup: settings.Warmup, Repeats: settings.Repeats, ReturnOutputs: settings.Output is not null, Inputs: inputs),
            cancellationToken);
        if (outcome.Failure is { } failure)
        {
            await Console.Error.WriteLineAsync($"dsx: {failure}");
            return ExitCodes.Failure;
        }

        var reply = outcome.Reply!;
        if (settings.Output is { } outputPath)
        {
            WriteOutput(outputPath, graph, reply);
        }

        if (settings.Json)
        {
            Console.Write(ToJson(settings, graph, plan, planLabel, hello, reply));
        }
        else
        {
            Console.Write(ToTable(graph, planLabel, hello, reply, settings));
        }

        await session.ShutdownAsync(cancellationToken);
        return ExitCodes.Ok;
    }

    private static List<Tensor>? ReadInputs(Settings settings, Graph graph)
    {
        if (settings.Input is not { } path)
        {
            return null;
        }

        if (graph.Inputs.Count != 1)
        {
            throw new UsageException($"--input gives one array, but model '{graph.Name}' has {graph.Inputs.Count} inputs.");
        }

        var input = graph.Inputs[0];
        return [NpyFile.Read(path, input.Name, input.Shape)];
    }

    private static void WriteOutput(string path, Graph graph, MeasureReply reply)
    {
        var name = graph.Outputs.Count > 0 ? graph.Outputs[0].Name : "";
        var output = reply.Outputs.FirstOrDefault(t => t.Name == name) ?? reply.Outputs.FirstOrDefault()
            ?? throw new IOException("the executor returned no output tensor.");
        if (graph.Outputs.Count > 1)
        {
            Console.Error.WriteLine($"dsx: model '{graph.Name}' has {graph.Outputs.Count} outputs; writing only '{output.Name}' to {path}.");
        }

        NpyFile.Write(path, output);
        Console.Error.WriteLine($"wrote output '{output.Name}' [{string.Join('x', output.Dims)}] to {path}");
    }

    private static string ToTable(Graph graph, string planLabel, HelloReply hello, MeasureReply reply, Settings settings)
    {
        var ops = graph.Nodes.ToDictionary(n => n.Name, n => n.Op, StringComparer.Ordinal);
        var sum = reply.Layers.Sum(l => l.Total.MedianMs);
        var table = new TextTable("layer", "op", "choice", "median ms", "share", "conv. ms") { LeftAlignedColumns = 3 };
        foreach (var layer in reply.Layers)
        {
            table.AddRow(
                layer.Name,
                ops.TryGetValue(layer.Name, out var op) ? op.ToString() : "?",
                DescribeChoice(layer.Choice),
                Format(layer.Total.MedianMs, "0.000"),
                sum > 0 ? $"{Format(100 * layer.Total.MedianMs / sum, "0.0")}%" : "-",
                Format(layer.Conversion.MedianMs, "0.000"));
        }

        var memory = reply.Memory;
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"{graph.Name} under {planLabel} on board {settings.Board} ({hello.Isa}{(hello.Emulated ? ", emulated" : "")})\n");
        text.Append(table.Render());
        text.Append(CultureInfo.InvariantCulture,
            $"end-to-end: min {Format(reply.EndToEnd.MinMs, "0.00")} ms, median {Format(reply.EndToEnd.MedianMs, "0.00")} ms "
            + $"({settings.Repeats} timed run{(settings.Repeats == 1 ? "" : "s")} after {settings.Warmup} warm-up)\n");
        text.Append(CultureInfo.InvariantCulture,
            $"memory: weights {MiB(memory.WeightsBytes)}, arena {MiB(memory.ArenaBytes)}, workspace {MiB(memory.WorkspaceBytes)}, "
            + $"peak {MiB(memory.PeakBytes)} (process RSS {MiB(memory.PeakRssBytes)})\n");
        return text.ToString();
    }

    private static string ToJson(Settings settings, Graph graph, Plan plan, string planLabel, HelloReply hello, MeasureReply reply)
    {
        var ops = graph.Nodes.ToDictionary(n => n.Name, n => n.Op, StringComparer.Ordinal);
        var sum = reply.Layers.Sum(l => l.Total.MedianMs);
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartObject();
            writer.WriteString("model", graph.Name);
            writer.WriteString("source", settings.Model);
            writer.WriteString("board", settings.Board);
            writer.WriteString("isa", hello.Isa);
            writer.WriteBoolean("emulated", hello.Emulated);
            writer.WriteString("plan_name", planLabel);
            writer.WritePropertyName("plan");
            using (var planDocument = JsonDocument.Parse(PlanJson.Write(plan)))
            {
                planDocument.RootElement.WriteTo(writer);
            }

            writer.WriteNumber("warmup", settings.Warmup);
            writer.WriteNumber("repeats", settings.Repeats);
            writer.WriteStartObject("latency_ms");
            writer.WriteNumber("min", Math.Round(reply.EndToEnd.MinMs, 6));
            writer.WriteNumber("median", Math.Round(reply.EndToEnd.MedianMs, 6));
            writer.WriteNumber("max", Math.Round(reply.EndToEnd.MaxMs, 6));
            writer.WriteEndObject();
            writer.WriteNumber("peak_memory_bytes", reply.Memory.PeakBytes);
            writer.WriteStartObject("memory");
            writer.WriteNumber("weights_bytes", reply.Memory.WeightsBytes);
            writer.WriteNumber("arena_bytes", reply.Memory.ArenaBytes);
            writer.WriteNumber("workspace_bytes", reply.Memory.WorkspaceBytes);
            writer.WriteNumber("peak_bytes", reply.Memory.PeakBytes);
            writer.WriteNumber("peak_rss_bytes", reply.Memory.PeakRssBytes);
            writer.WriteEndObject();
            writer.WriteStartArray("layers");
            foreach (var layer in reply.Layers)
            {
                writer.WriteStartObject();
                writer.WriteString("name", layer.Name);
                writer.WriteString("op", ops.TryGetValue(layer.Name, out var op) ? op.ToString() : "");
                writer.WriteStartObject("choice");
                writer.WriteString("primitive", layer.Choice.Primitive);
                writer.WriteString("layout", EnumName(LayoutEnum, (int)layer.Choice.Layout));
                writer.WriteString("precision", EnumName(PrecisionEnum, (int)layer.Choice.Precision));
                writer.WriteNumber("threads", layer.Choice.Threads);
                writer.WriteEndObject();
                writer.WriteNumber("median_ms", Math.Round(layer.Total.MedianMs, 6));
                writer.WriteNumber("compute_ms", Math.Round(layer.Compute.MedianMs, 6));
                writer.WriteNumber("conversion_ms", Math.Round(layer.Conversion.MedianMs, 6));
                writer.WriteNumber("share", sum > 0 ? Math.Round(layer.Total.MedianMs / sum, 6) : 0);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }

    private static string DescribeChoice(Choice choice) =>
        $"{choice.Primitive}/{EnumName(LayoutEnum, (int)choice.Layout)}/{EnumName(PrecisionEnum, (int)choice.Precision)}/{choice.Threads}t";

    private static string EnumName(EnumDescriptor type, int number) => type.FindValueByNumber(number)?.Name ?? number.ToString(CultureInfo.InvariantCulture);

    private static string MiB(long bytes) => $"{Format(bytes / BytesPerMiB, "0.0")} MiB";

    private static Task Progress(string line) => Console.Error.WriteLineAsync(line);

    private static string Format(double value, string format) => value.ToString(format, TextTable.Culture);
}
