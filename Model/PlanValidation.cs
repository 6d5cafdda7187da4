using Dsx.Wire;

namespace Dsx.Model;

/// <summary>Checks a plan against the graph it is meant for, before it travels to an executor.</summary>
public static class PlanValidation
{
    /// <summary>The plan's layer names that are not nodes of <paramref name="graph"/>, in plan order.</summary>
    public static IReadOnlyList<string> UnknownLayers(Graph graph, Plan plan)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(plan);
        var nodes = graph.Nodes.Select(n => n.Name).ToHashSet(StringComparer.Ordinal);
        return [.. plan.Layers.Keys.Where(name => !nodes.Contains(name))];
    }

    /// <summary>Null when every planned layer is a node of the graph, else a message naming the unknown ones.</summary>
    public static string? Check(Graph graph, Plan plan)
    {
        var unknown = UnknownLayers(graph, plan);
        if (unknown.Count == 0)
        {
            return null;
        }

        var names = string.Join(", ", unknown.Take(5).Select(n => $"'{n}'"));
        var more = unknown.Count > 5 ? $" and {unknown.Count - 5} more" : "";
        return $"the plan names {(unknown.Count == 1 ? "a layer" : "layers")} that model '{graph.Name}' does not have: {names}{more}";
    }
}
