namespace Dsx.BoardHost;

/// <summary>Why an executor process is gone or unusable, and what it was doing at the time.</summary>
/// <param name="Operation">The request that was running, e.g. "Measure of model 3fa2..." .</param>
/// <param name="ExitCode">The process exit code when it exited normally.</param>
/// <param name="Signal">The signal that killed it, when it died of one.</param>
/// <param name="StderrTail">The last lines the executor wrote to stderr.</param>
public sealed record ExecutorFailure(
    ExecutorFailureKind Kind,
    string Operation,
    string Detail,
    int? ExitCode = null,
    int? Signal = null,
    string StderrTail = "")
{
    public override string ToString()
    {
        var how = (ExitCode, Signal) switch
        {
            (_, { } signal) => $" (killed by signal {signal}{SignalName(signal)})",
            ({ } code, _) => $" (exit code {code})",
            _ => "",
        };
        var text = $"executor {Describe(Kind)} during {Operation}{how}: {Detail}";
        return StderrTail.Length == 0 ? text : $"{text}\n--- executor stderr (tail) ---\n{StderrTail}";
    }

    private static string Describe(ExecutorFailureKind kind) => kind switch
    {
        ExecutorFailureKind.StartFailed => "failed to start",
        ExecutorFailureKind.Timeout => "timed out",
        ExecutorFailureKind.Crashed => "crashed",
        ExecutorFailureKind.Cancelled => "was stopped (request cancelled)",
        ExecutorFailureKind.ProtocolViolation => "broke the protocol",
        ExecutorFailureKind.ConnectionLost => "lost the connection",
        _ => "is not running",
    };

    private static string SignalName(int signal) => signal switch
    {
        4 => ", SIGILL",
        6 => ", SIGABRT",
        7 => ", SIGBUS",
        8 => ", SIGFPE",
        9 => ", SIGKILL",
        11 => ", SIGSEGV",
        15 => ", SIGTERM",
        _ => "",
    };
}
