using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Dsx.Wire;

namespace Dsx.BoardHost;

/// <summary>
/// Model loads onto listening executors that keep a model for every connection once any connection loaded it (the replay
/// boards' host, <c>dsx replay-executor --listen</c>: hundreds of boards behind one address). Sessions given it
/// (<see cref="ExecutorOptions.SharedModels"/>) ask for a model by hash first and send its graph only when the executor
/// does not hold it, one load of a (address, model) at a time: a 14 MB graph then travels, and is parsed, once per host
/// instead of once per board. A real executor keeps its models per connection; its sessions are never given one.
/// </summary>
public sealed class SharedModelLoads
{
    private readonly ConcurrentDictionary<(string Address, string Hash), SemaphoreSlim> _gates = new();
    // The graphs a silo loads are its shared, never-modified copies (one per model): their hash is computed once.
    private readonly ConditionalWeakTable<Graph, string> _hashes = [];
    private int _graphsSent;

    /// <summary>How many graphs went to an executor (a load that found its model held sends none).</summary>
    public int GraphsSent => Volatile.Read(ref _graphsSent);

    internal string HashOf(Graph graph) => _hashes.GetValue(graph, ModelHash.Of);

    /// <summary>Runs <paramref name="load"/> alone among the loads of <paramref name="hash"/> onto <paramref name="address"/>.</summary>
    internal async Task<T> OneAtATimeAsync<T>(string address, string hash, Func<Task<T>> load, CancellationToken cancellationToken)
    {
        var gate = _gates.GetOrAdd((address, hash), _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken);
        try
        {
            return await load();
        }
        finally
        {
            gate.Release();
        }
    }

    internal void CountGraphSent() => Interlocked.Increment(ref _graphsSent);
}
