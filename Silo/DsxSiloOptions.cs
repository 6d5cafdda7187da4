using Dsx.BoardHost;
using Dsx.Grains;

namespace Dsx.Silo;

/// <summary>
/// How a Dsx silo runs: where its state lives (one SQLite file by default), its ports on loopback, and the local
/// boards it registers at start (each pinned to its own core; <see cref="LocalBoards"/> 0 registers none).
/// </summary>
public sealed record DsxSiloOptions
{
    public const int DefaultSiloPort = 11111;

    public const int DefaultGatewayPort = 30000;

    /// <summary>The SQLite file holding grain state and the measurement store (unused with <see cref="Cluster"/>).</summary>
    public required string DatabasePath { get; init; }

    /// <summary>Null: this machine alone (localhost clustering, SQLite). Set: one of several hosts on PostgreSQL.</summary>
    public DsxClusterOptions? Cluster { get; init; }

    public int SiloPort { get; init; } = DefaultSiloPort;

    public int GatewayPort { get; init; } = DefaultGatewayPort;

    /// <summary>Local boards registered at start, kind <see cref="LocalBoardKind"/>, ids <c>local-0</c>, <c>local-1</c>, ...</summary>
    public int LocalBoards { get; init; }

    public string LocalBoardKind { get; init; } = "local";

    /// <summary>Boards registered at start (from a boards.yaml), besides the local ones.</summary>
    public IReadOnlyList<BoardRegistration> Boards { get; init; } = [];

    /// <summary>The executor local boards run; null: none are registered.</summary>
    public string? ExecutorPath { get; init; }

    /// <summary>The longest one executor request may take before the executor is taken for hung, killed and restarted.</summary>
    public TimeSpan MeasurementTimeout { get; init; } = BoardOptions.Default.MeasurementTimeout;

    /// <summary>Replay boards registered at start (ids <c>replay-0</c>, ...; launch <c>tcp</c> to <see cref="ReplayHost"/>), for scale tests of the farm.</summary>
    public int ReplayBoards { get; init; }

    /// <summary>The replay boards' kind: <c>replay:</c> + the kind of the board their table was recorded on.</summary>
    public string? ReplayKind { get; init; }

    /// <summary>The <c>dsx replay-executor --listen</c> that answers for every replay board, one connection each.</summary>
    public ExecutorEndpoint? ReplayHost { get; init; }

    /// <summary>Where the board grains of this silo append one line per measurement (board, executor-side start and end); null: nowhere.</summary>
    public string? TimingLogPath { get; init; }

    /// <summary>How long a grain call may take: a measurement of a big model, or a wait for a board, is minutes.</summary>
    public TimeSpan ResponseTimeout { get; init; } = TimeSpan.FromMinutes(30);
}
