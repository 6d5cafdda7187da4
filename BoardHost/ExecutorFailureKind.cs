namespace Dsx.BoardHost;

public enum ExecutorFailureKind
{
    /// <summary>The process could not be started (binary missing, not executable, ...).</summary>
    StartFailed,

    /// <summary>A request took longer than its timeout; the process was killed.</summary>
    Timeout,

    /// <summary>The process exited or closed its stdout while a request was outstanding.</summary>
    Crashed,

    /// <summary>The caller cancelled a request; the process was killed, since its reply stream cannot be resynchronised.</summary>
    Cancelled,

    /// <summary>The executor sent something that breaks the protocol (bad frame, wrong id, wrong reply type).</summary>
    ProtocolViolation,

    /// <summary>The TCP connection to a listening executor broke or was closed by it while a request was outstanding.</summary>
    ConnectionLost,

    /// <summary>A request was made after the process had already failed or been shut down.</summary>
    NotRunning,
}
