namespace Dsx.BoardHost.Tests;

/// <summary>A fact that needs the real dsx-executor; skipped, saying why, until it is built and speaks the protocol.</summary>
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
