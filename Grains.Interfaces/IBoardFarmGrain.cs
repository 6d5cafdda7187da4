namespace Dsx.Grains;

/// <summary>
/// The farm (key 0): the registry of boards, per-kind queues of waiting measurements served fairly across
/// explorations, leases with timeouts, and board health (consecutive failures quarantine a board).
/// </summary>
[Alias("Dsx.IBoardFarmGrain")]
public interface IBoardFarmGrain : IGrainWithIntegerKey
{
    [Alias("Add")]
    Task AddAsync(BoardRegistration board);

    /// <returns>False when no board has that id.</returns>
    [Alias("Remove")]
    Task<bool> RemoveAsync(string boardId);

    [Alias("List")]
    Task<IReadOnlyList<BoardInfo>> ListAsync();

    /// <summary>Waits for a free healthy board of the kind; fails at once when the farm has none of that kind.</summary>
    /// <param name="holder">Who asks (an episode's key). A holder that asks again while it still holds a board lost its
    /// lease (its silo died mid-measurement): that board is taken back first, instead of waiting out the lease timeout.</param>
    [Alias("Lease")]
    Task<BoardLease> LeaseAsync(string kind, string explorationId, string holder);

    /// <param name="boardFailed">The board itself failed (executor would not start, crashed, hung), not the plan.</param>
    [Alias("Release")]
    Task ReleaseAsync(BoardLease lease, bool boardFailed, string? failure);
}
