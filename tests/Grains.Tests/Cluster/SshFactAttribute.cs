namespace Dsx.Grains.Tests.Cluster;

/// <summary>A fact that needs the x86 executor and a loopback sshd (<see cref="LoopbackSshd"/>); skipped, saying why, without them.</summary>
public sealed class SshFactAttribute : FactAttribute
{
    public SshFactAttribute()
    {
        if (LoopbackSshd.SkipReason is { } reason)
        {
            Skip = reason;
        }
    }
}
