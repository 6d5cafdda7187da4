using Orleans.Concurrency;

namespace Dsx.Grains;

/// <summary>
/// One physical board (key: its id): owns one executor process and runs one request at a time (not reentrant);
/// status queries interleave.
/// </summary>
[Alias("Dsx.IBoardGrain")]
public interface IBoardGrain : IGrainWithStringKey
{
    [Alias("Configure")]
    Task ConfigureAsync(BoardRegistration registration);

    /// <summary>The executor's capabilities and its design space for the model (loaded from its <see cref="IModelGrain"/> if needed).</summary>
    [Alias("Describe")]
    Task<BoardSpace> DescribeAsync(string modelHash);

    [Alias("Measure")]
    Task<EpisodeOutcome> MeasureAsync(EpisodeRequest request);

    /// <summary>Starts (or pings) the executor: true when it answers.</summary>
    [Alias("Probe")]
    Task<bool> ProbeAsync();

    /// <summary>Stops the executor (the board is removed or the silo stops).</summary>
    [Alias("Stop")]
    Task StopAsync();

    [Alias("ProcessId"), AlwaysInterleave]
    Task<int?> GetProcessIdAsync();
}
