using System.CommandLine;
using Dsx.Model;
using Dsx.Wire;

namespace Dsx.Cli;

/// <summary><c>dsx models list</c>: the built-in model zoo.</summary>
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

        return new Command("models", "Inspect the built-in model zoo.") { list };
    }
}
