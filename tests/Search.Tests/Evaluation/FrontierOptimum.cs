namespace Dsx.Search.Tests.Evaluation;

/// <summary>
/// Test and bench code only: the exact minimum of an additive model's plan cost, by dynamic programming over the
/// layers in topological order whose state is the formats of the live tensors (outputs still to be read by a later
/// layer). A layer's cost depends only on its own choice and its inputs' formats, so this is exact for any graph;
/// it is cheap while few tensors are live at once (chains: one, residual blocks: two).
/// </summary>
internal static class FrontierOptimum
{
    public static double Cost(AdditiveCostModel model)
    {
        var space = model.Space;
        var lastRead = new int[space.Layers.Count];
        Array.Fill(lastRead, -1);
        foreach (var layer in space.Layers)
        {
            foreach (var p in layer.Inputs.Where(p => p != SearchLayer.GraphInput))
            {
                lastRead[p] = Math.Max(lastRead[p], layer.Index);
            }
        }

        // The live producers, ascending, and per combination of their formats the cheapest cost so far.
        var live = new List<int>();
        var frontier = new Dictionary<string, (TensorFormat[] Formats, double Cost)> { [""] = ([], 0) };
        foreach (var layer in space.Layers)
        {
            var nextLive = live.Where(p => lastRead[p] > layer.Index).ToList();
            if (lastRead[layer.Index] > layer.Index)
            {
                nextLive.Add(layer.Index);
            }

            var next = new Dictionary<string, (TensorFormat[] Formats, double Cost)>();
            foreach (var (formats, cost) in frontier.Values)
            {
                var from = layer.Inputs.Select(p => p == SearchLayer.GraphInput ? TensorFormat.Plain : formats[live.IndexOf(p)]).ToArray();
                for (var c = 0; c < layer.Choices.Count; c++)
                {
                    var total = cost + model.LayerCost(layer.Index, c, from);
                    var nextFormats = nextLive.Select(p => p == layer.Index ? layer.Choices[c].Format : formats[live.IndexOf(p)]).ToArray();
                    var key = string.Join(',', nextFormats);
                    if (!next.TryGetValue(key, out var known) || total < known.Cost)
                    {
                        next[key] = (nextFormats, total);
                    }
                }
            }

            live = nextLive;
            frontier = next;
        }

        return frontier.Values.Min(s => s.Cost);
    }
}
