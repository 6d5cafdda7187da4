using Dsx.Wire;

namespace Dsx.Model;

/// <summary>
/// The per-layer design space of one network on one board kind: the executor's own account of what each layer
/// admits (DescribeSpace), with the thread counts its Hello allows (1 to cores for a threaded primitive).
/// </summary>
public sealed record DesignSpace(IReadOnlyList<LayerOptions> Layers)
{
    public static DesignSpace From(DesignSpaceReply space, HelloReply board)
    {
        ArgumentNullException.ThrowIfNull(space);
        ArgumentNullException.ThrowIfNull(board);
        var threaded = board.Primitives.Where(p => p.Threaded).Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        var cores = Math.Max(1, board.Cores);
        var layers = space.Layers.Select(layer => new LayerOptions(
            layer.Name,
            layer.Op,
            layer.Flops,
            [.. layer.OutputShape],
            [.. layer.Choices.SelectMany(choice => Enumerable
                .Range(1, threaded.Contains(choice.Primitive) ? cores : 1)
                .Select(threads => new Choice(choice) { Threads = threads }))]));
        return new DesignSpace([.. layers]);
    }

    /// <summary>log10 of the number of distinct plans: the product of every layer's choice count.</summary>
    public double Log10Size => Layers.Sum(l => Math.Log10(Math.Max(1, l.Choices.Count)));

    /// <summary>Whether <paramref name="plan"/> names only layers of this space, each with a choice the layer admits.</summary>
    public bool Admits(Plan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var byName = Layers.ToDictionary(l => l.Name, StringComparer.Ordinal);
        var fallbackThreads = plan.DefaultThreads > 0 ? plan.DefaultThreads : 1;
        return plan.Layers.All(entry =>
            byName.TryGetValue(entry.Key, out var layer)
            && layer.Choices.Any(c => c.Primitive == entry.Value.Primitive && c.Layout == entry.Value.Layout
                && c.Precision == entry.Value.Precision
                && c.Threads == (entry.Value.Threads > 0 ? entry.Value.Threads : fallbackThreads)));
    }
}
