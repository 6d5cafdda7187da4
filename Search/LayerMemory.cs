namespace Dsx.Search;

/// <summary>What one layer's choice holds in memory, as the executor reported it.</summary>
public sealed record LayerMemory(long WeightsBytes, long WorkspaceBytes, long OutputBytes)
{
    /// <summary>The per-layer memory cost the additive model sums: weights + scratch + output.</summary>
    public long Total => WeightsBytes + WorkspaceBytes + OutputBytes;
}
