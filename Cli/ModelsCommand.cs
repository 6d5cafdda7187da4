using System.CommandLine;
using Google.Protobuf;
using Dsx.Model;
using Dsx.Wire;

namespace Dsx.Cli;

/// <summary><c>dsx models list|export</c>: the built-in model zoo.</summary>
internal static class ModelsCommand
{
    public static Command Create()
    {
        var list = new Command("list", "List the built-in models with their input shape, node and conv counts and parameter count.");
        list.SetAction(_ =>
        {
            var table = new TextTable("model", "input", "nodes", "convs", "params");
            foreach (var name in ModelZoo.Names)
            {
                var graph = ModelZoo.Build(name);
                var parameters = graph.Initializers.Sum(t => t.Dims.Aggregate(1L, (a, d) => a * d));
                table.AddRow(
                    name,
                    string.Join('x', graph.Inputs[0].Shape),
                    graph.Nodes.Count.ToString(TextTable.Culture),
                    graph.Nodes.Count(n => n.Op == OpType.Conv).ToString(TextTable.Culture),
                    $"{parameters / 1e6:0.00}M");
            }

            Console.Write(table.Render());
            return ExitCodes.Ok;
        });

        var name = new Argument<string>("name") { Description = "A model of the zoo (see 'dsx models list')." };
        var output = new Option<FileInfo>("--output", "-o")
        {
            Description = "File to write: NAME.onnx writes ONNX (opset 13); NAME.dsxm the executor's own graph format.",
            Required = true,
        };
        var seed = new Option<ulong>("--seed") { Description = "Seed of the deterministic weights.", DefaultValueFactory = _ => 42 };
        var export = new Command(
            "export",
            "Write a zoo model as ONNX (.onnx) or as a .dsxm file (a serialized dsx.wire.Graph, the model format of 'dsx-executor run').")
        {
            name, output, seed,
        };
        export.SetAction(result =>
        {
            var modelName = result.GetValue(name)!;
            if (!ModelZoo.Names.Contains(modelName))
            {
                Console.Error.WriteLine($"dsx: unknown model '{modelName}'; known models: {string.Join(", ", ModelZoo.Names)}");
                return ExitCodes.Usage;
            }

            var file = result.GetValue(output)!;
            try
            {
                var graph = ModelZoo.Build(modelName, result.GetValue(seed));
                IMessage document = file.Extension.Equals(".dsxm", StringComparison.OrdinalIgnoreCase) ? graph : OnnxExporter.Export(graph);
                using var stream = file.Create();
                document.WriteTo(stream);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                Console.Error.WriteLine($"dsx: cannot write {file.FullName}: {e.Message}");
                return ExitCodes.Failure;
            }

            Console.WriteLine($"wrote {modelName} to {file.FullName}");
            return ExitCodes.Ok;
        });

        return new Command("models", "Inspect and export the built-in model zoo.") { list, export };
    }
}
