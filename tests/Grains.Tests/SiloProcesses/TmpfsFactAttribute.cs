namespace Dsx.Grains.Tests.SiloProcesses;

/// <summary>A fact that mounts tmpfs file systems (root) for a silo on the real executor; skipped with the reason otherwise.</summary>
public sealed class TmpfsFactAttribute : FactAttribute
{
    public TmpfsFactAttribute()
    {
        if (TmpfsMount.SkipReason is { } reason)
        {
            Skip = reason;
        }
    }
}
