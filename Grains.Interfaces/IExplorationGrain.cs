using Orleans.Concurrency;

namespace Dsx.Grains;

/// <summary>
/// One exploration (key: its id): holds the spec, the state machine, progress and the best confirmed plan; persisted,
/// so a silo that restarts resumes it where its last step ended.
/// </summary>
[Alias("Dsx.IExplorationGrain")]
public interface IExplorationGrain : IGrainWithStringKey
{
    /// <summary>Starts the exploration; starting it again with the same spec is a no-op, with another a usage error.</summary>
    [Alias("Start")]
    Task<ExplorationSummary> StartAsync(ExplorationSpec spec);

    [Alias("GetSummary"), AlwaysInterleave]
    Task<ExplorationSummary> GetSummaryAsync();

    [Alias("GetReport"), AlwaysInterleave]
    Task<ExplorationReport> GetReportAsync();

    [Alias("Pause")]
    Task<ExplorationSummary> PauseAsync();

    [Alias("Resume")]
    Task<ExplorationSummary> ResumeAsync();

    [Alias("Cancel")]
    Task<ExplorationSummary> CancelAsync();

    /// <summary>Wakes the exploration after a restart: a running one picks its loop up again.</summary>
    [Alias("Wake")]
    Task WakeAsync();
}
