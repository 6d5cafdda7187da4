using System.Collections.Concurrent;
using Dsx.Wire;

namespace Dsx.Grains;

/// <summary>
/// The parsed model graphs of a silo, by hash, shared by its board grains: a graph carries the model's weights (14 MB for
/// MobileNetV2), and a copy per board grain made a silo with 64 boards hold a gigabyte of copies of one model. Weak: a
/// graph no board session holds any more is collected.
/// </summary>
public sealed class ModelGraphCache
{
    private readonly ConcurrentDictionary<string, WeakReference<Graph>> _graphs = new(StringComparer.Ordinal);

    /// <summary>The graph under <paramref name="hash"/>, parsed from <paramref name="load"/>'s bytes only if no board holds it already.</summary>
    public async Task<Graph> GetAsync(string hash, Func<Task<byte[]>> load)
    {
        ArgumentNullException.ThrowIfNull(load);
        if (_graphs.TryGetValue(hash, out var known) && known.TryGetTarget(out var graph))
        {
            return graph;
        }

        graph = Graph.Parser.ParseFrom(await load());
        _graphs[hash] = new WeakReference<Graph>(graph);
        return graph;
    }
}
