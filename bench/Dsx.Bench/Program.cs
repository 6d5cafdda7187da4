using Dsx.Bench;
using Microsoft.ML.OnnxRuntime;

// dsx-bench VERB ...: the bench-only half of bench/run (see bench/README.md).
const string Usage = """
    usage: dsx-bench input MODEL.onnx -o x.npy [--seed N]
           dsx-bench ort MODEL.onnx --input x.npy [--threads N] [--warmup N] [--repeats N] [--output y.npy] [--profile trace.json]
           dsx-bench report --raw DIR --plots DIR -o results.md [--header FILE] [--append FILE]
    """;
try
{
    var options = BenchOptions.Parse(args.Skip(1));
    switch (args.FirstOrDefault())
    {
        case "input":
            OrtBench.WriteInput(options.Positional(), options.Required("-o"), (ulong)options.Int("--seed", 1));
            return 0;
        case "ort":
            var timing = OrtBench.Run(
                options.Positional(), options.Required("--input"), options.Int("--threads", 1), options.Int("--warmup", 1), options.Int("--repeats", 5), options.Optional("--output"),
                options.Optional("--profile"));
            Console.WriteLine(timing.ToJson());
            return 0;
        case "report":
            ResultsDocument.Write(
                options.Required("-o"), ResultsReport.Load(options.Required("--raw")), options.Required("--plots"), options.Optional("--header"), options.Optional("--append"));
            return 0;
        default:
            throw new BenchUsageException(Usage);
    }
}
catch (Exception e) when (e is BenchUsageException or InvalidDataException or IOException or OnnxRuntimeException)
{
    Console.Error.WriteLine($"dsx-bench: {e.Message}");
    return e is BenchUsageException or InvalidDataException ? 2 : 1;
}
