namespace Dsx.BoardHost;

/// <summary>The executor process failed (did not start, crashed, hung, or broke the protocol); it is no longer usable.</summary>
public sealed class ExecutorFailureException(ExecutorFailure failure, Exception? inner = null)
    : Exception(failure.ToString(), inner)
{
    public ExecutorFailure Failure { get; } = failure;
}
