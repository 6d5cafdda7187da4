namespace Dsx.BoardHost.Tests;

/// <summary>A theory that needs the real dsx-executor; skipped, saying why, until it is built and speaks the protocol.</summary>
public sealed class ExecutorTheoryAttribute : TheoryAttribute
{
    public ExecutorTheoryAttribute()
    {
        if (ExecutorAvailability.SkipReason is { } reason)
        {
            Skip = reason;
        }
    }
}
