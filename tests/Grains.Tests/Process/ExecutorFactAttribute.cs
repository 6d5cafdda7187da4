namespace Dsx.Grains.Tests.Process;

/// <summary>A fact that needs the real dsx-executor: skipped, saying why, where it is not built (see <see cref="ExecutorAvailability"/>).</summary>
public sealed class ExecutorFactAttribute : FactAttribute
{
    public ExecutorFactAttribute()
    {
        if (ExecutorAvailability.SkipReason is { } reason)
        {
            Skip = reason;
        }
    }
}
