using Microsoft.Extensions.Logging;
using Orleans.Concurrency;

namespace Dsx.Grains;

/// <summary>
/// The farm: the persisted registry of boards, and in memory their leases and health. Reentrant, so a lease request
/// that waits for a free board does not hold up releases; all of it runs on the grain's one thread, so the bookkeeping
/// needs no locks. Which waiter gets a freed board, and when a board is quarantined, is <see cref="FarmScheduler"/>'s
/// decision, not the grain's.
/// </summary>
[Reentrant]
public sealed partial class BoardFarmGrain(
    [PersistentState("farm", StorageNames.Default)] IPersistentState<List<BoardRegistration>> state,
    ILogger<BoardFarmGrain> logger) : Grain, IBoardFarmGrain
{
    /// <summary>How long a lease may be held before the board is taken back (a caller that died does not keep it).</summary>
    public static readonly TimeSpan LeaseTimeout = TimeSpan.FromMinutes(20);

    private static readonly TimeSpan ProbePeriod = TimeSpan.FromSeconds(20);

    private readonly FarmScheduler _queue = new(DateTimeOffset.UtcNow);

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        foreach (var board in state.State)
        {
            _queue.Add(board);
            await GrainFactory.GetGrain<IBoardGrain>(board.Id).ConfigureAsync(board);
        }

        this.RegisterGrainTimer(MaintainAsync, new GrainTimerCreationOptions(ProbePeriod, ProbePeriod) { Interleave = true });
    }

    public async Task AddAsync(BoardRegistration board)
    {
        ArgumentNullException.ThrowIfNull(board);
        BoardLaunches.For(board);
        await GrainFactory.GetGrain<IBoardGrain>(board.Id).ConfigureAsync(board);
        state.State.RemoveAll(b => b.Id == board.Id);
        state.State.Add(board);
        await state.WriteStateAsync();
        _queue.Add(board, DateTimeOffset.UtcNow);
        LogAdded(logger, board.Id, board.Kind, board.Launch);
    }

    public async Task<bool> RemoveAsync(string boardId)
    {
        if (state.State.RemoveAll(b => b.Id == boardId) == 0)
        {
            return false;
        }

        await state.WriteStateAsync();
        _queue.Remove(boardId);
        await GrainFactory.GetGrain<IBoardGrain>(boardId).StopAsync();
        return true;
    }

    public Task<IReadOnlyList<BoardInfo>> ListAsync() => Task.FromResult(_queue.List(DateTimeOffset.UtcNow));

    public Task<BoardLease> LeaseAsync(string kind, string explorationId, string holder) =>
        _queue.LeaseAsync(kind, explorationId, DateTimeOffset.UtcNow, holder);

    public Task ReleaseAsync(BoardLease lease, bool boardFailed, string? failure)
    {
        ArgumentNullException.ThrowIfNull(lease);
        if (_queue.Release(lease, boardFailed, failure, DateTimeOffset.UtcNow) is { } quarantined)
        {
            LogQuarantined(logger, quarantined, failure ?? "");
        }

        return Task.CompletedTask;
    }

    /// <summary>Takes back expired leases and probes quarantined boards; a board that answers is back in service.</summary>
    private async Task MaintainAsync(CancellationToken cancellationToken)
    {
        _queue.Expire(DateTimeOffset.UtcNow, LeaseTimeout);
        foreach (var boardId in _queue.Quarantined())
        {
            if (await GrainFactory.GetGrain<IBoardGrain>(boardId).ProbeAsync())
            {
                _queue.Restore(boardId);
                LogRestored(logger, boardId);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "farm: board {Board} added (kind {Kind}, launch {Launch})")]
    private static partial void LogAdded(ILogger logger, string board, string kind, string launch);

    [LoggerMessage(Level = LogLevel.Warning, Message = "farm: board {Board} quarantined after repeated failures; last: {Failure}")]
    private static partial void LogQuarantined(ILogger logger, string board, string failure);

    [LoggerMessage(Level = LogLevel.Information, Message = "farm: board {Board} answered its probe and is back in service")]
    private static partial void LogRestored(ILogger logger, string board);
}
