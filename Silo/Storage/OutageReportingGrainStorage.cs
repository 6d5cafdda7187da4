using System.Data.Common;
using Dsx.Grains;
using Orleans.Runtime;
using Orleans.Storage;

namespace Dsx.Silo.Storage;

/// <summary>
/// Wraps a database-backed grain storage (Orleans' ADO.NET storage on PostgreSQL) so that a database that cannot be
/// reached or that cut the connection surfaces as <see cref="StorageUnavailableException"/>: the exploration waits and
/// tries again instead of failing. The driver's exception is not kept as the cause: its type has no Orleans codec, and the
/// call may cross silos (an episode grain on one, its exploration on another); its message says what happened.
/// </summary>
public sealed class OutageReportingGrainStorage(string description, IGrainStorage inner) : IGrainStorage
{
    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        ReadStateAsync(stateName, grainId, grainState, CancellationToken.None);

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        WriteStateAsync(stateName, grainId, grainState, CancellationToken.None);

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        ClearStateAsync(stateName, grainId, grainState, CancellationToken.None);

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState, CancellationToken cancellationToken) =>
        ReportingOutagesAsync("read", grainId, () => inner.ReadStateAsync(stateName, grainId, grainState, cancellationToken));

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState, CancellationToken cancellationToken) =>
        ReportingOutagesAsync("write", grainId, () => inner.WriteStateAsync(stateName, grainId, grainState, cancellationToken));

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState, CancellationToken cancellationToken) =>
        ReportingOutagesAsync("clear", grainId, () => inner.ClearStateAsync(stateName, grainId, grainState, cancellationToken));

    private async Task ReportingOutagesAsync(string what, GrainId grainId, Func<Task> operation)
    {
        try
        {
            await operation();
        }
        catch (Exception e) when (ExceptionCauses.Of(e).OfType<DbException>().FirstOrDefault() is { } cause)
        {
            throw new StorageUnavailableException($"{description} cannot {what} the state of {grainId}: {cause.Message.Split('\n')[0].Trim()}");
        }
    }
}
