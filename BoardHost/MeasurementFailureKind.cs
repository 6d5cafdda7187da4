namespace Dsx.BoardHost;

public enum MeasurementFailureKind
{
    /// <summary>The executor died (signal, exit, broken pipe or garbled reply) while running the request.</summary>
    Crash,

    /// <summary>The request outlived its timeout; the executor was killed.</summary>
    Hang,

    /// <summary>The executor refused the request with a typed Error reply (unsupported choice, bad plan, ...); it is still running.</summary>
    ExecutorError,
}
