namespace Dsx.Grains.Tests.Cluster;

/// <summary>A fact that needs both executors (x86 and aarch64) and qemu-aarch64; skipped, saying why, when one is missing.</summary>
public sealed class EmulatedBoardFactAttribute : FactAttribute
{
    public EmulatedBoardFactAttribute()
    {
        if (Aarch64Executor.SkipReason is { } reason)
        {
            Skip = reason;
        }
    }
}
