namespace Dsx.Grains;

/// <summary>
/// The farm's scheduling, without Orleans: which boards exist and are free, who waits for which kind, who gets a freed
/// board, when a board is quarantined. A freed board goes to the waiting exploration of its kind that holds the fewest
/// boards now, then to the one served longest ago, then to the earliest request: explorations share a kind's boards
/// evenly, and one started later is not starved by the queue of an earlier one. Not thread-safe: the grain calls it
/// from its one thread.
/// </summary>
public sealed class FarmScheduler(DateTimeOffset started)
{
    /// <summary>Board failures in a row that take a board out of service until a probe brings it back.</summary>
    public const int QuarantineAfter = 3;

    private readonly Dictionary<string, Slot> _boards = [];
    private readonly List<Waiter> _waiters = [];
    private readonly Dictionary<string, long> _lastServed = [];
    private long _sequence;

    /// <param name="now">When the board joins (null: when the farm started); its utilisation counts from then.</param>
    public void Add(BoardRegistration board, DateTimeOffset? now = null)
    {
        ArgumentNullException.ThrowIfNull(board);
        _boards[board.Id] = new Slot(board) { AddedAt = now ?? started };
        Dispatch(now ?? started);
    }

    public void Remove(string boardId)
    {
        if (!_boards.Remove(boardId, out var removed))
        {
            return;
        }

        if (!_boards.Values.Any(b => b.Registration.Kind == removed.Registration.Kind))
        {
            foreach (var waiter in _waiters.Where(w => w.Kind == removed.Registration.Kind).ToList())
            {
                _waiters.Remove(waiter);
                waiter.Lease.TrySetException(NoBoard(waiter.Kind));
            }
        }
    }

    /// <exception cref="InvalidOperationException">The farm has no board of this kind.</exception>
    /// <param name="holder">Who asks; null: anonymous. A holder asking again while holding a board lost that lease: it is taken back.</param>
    public Task<BoardLease> LeaseAsync(string kind, string explorationId, DateTimeOffset now, string? holder = null)
    {
        if (!_boards.Values.Any(b => b.Registration.Kind == kind))
        {
            return Task.FromException<BoardLease>(NoBoard(kind));
        }

        foreach (var orphan in _boards.Values.Where(s => holder is not null && s.Lease is not null && s.Holder == holder))
        {
            Free(orphan, now);
            orphan.State = BoardState.Idle;
        }

        var waiter = new Waiter(kind, explorationId, holder, ++_sequence, new TaskCompletionSource<BoardLease>(TaskCreationOptions.RunContinuationsAsynchronously));
        _waiters.Add(waiter);
        Dispatch(now);
        return waiter.Lease.Task;
    }

    /// <returns>The board's id when this failure quarantined it, else null.</returns>
    public string? Release(BoardLease lease, bool boardFailed, string? failure, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(lease);
        if (!_boards.TryGetValue(lease.BoardId, out var slot) || slot.Lease != lease.LeaseId)
        {
            return null;  // expired and given to another, or the board was removed
        }

        Free(slot, now);
        slot.FreedAt = ++_sequence;
        string? quarantined = null;
        if (boardFailed)
        {
            slot.ConsecutiveFailures++;
            slot.Failures++;
            slot.LastError = failure;
            if (slot.ConsecutiveFailures >= QuarantineAfter)
            {
                slot.State = BoardState.Quarantined;
                quarantined = slot.Registration.Id;
            }
        }
        else
        {
            slot.Measurements++;
            slot.ConsecutiveFailures = 0;
        }

        if (slot.State != BoardState.Quarantined)
        {
            slot.State = BoardState.Idle;
        }

        Dispatch(now);
        return quarantined;
    }

    /// <summary>Takes back leases held longer than <paramref name="timeout"/>.</summary>
    public void Expire(DateTimeOffset now, TimeSpan timeout)
    {
        foreach (var slot in _boards.Values.Where(s => s.Lease is not null && s.LeasedAt < now - timeout))
        {
            Free(slot, now);
            slot.State = BoardState.Idle;
        }

        Dispatch(now);
    }

    public IReadOnlyList<string> Quarantined() => [.. _boards.Values.Where(s => s.State == BoardState.Quarantined).Select(s => s.Registration.Id)];

    public void Restore(string boardId)
    {
        if (_boards.TryGetValue(boardId, out var slot) && slot.State == BoardState.Quarantined)
        {
            (slot.State, slot.ConsecutiveFailures) = (BoardState.Idle, 0);
            Dispatch(started);
        }
    }

    /// <summary>The boards by id, each with its utilisation: the share of the time since it joined that it was leased.</summary>
    public IReadOnlyList<BoardInfo> List(DateTimeOffset now) =>
        [.. _boards.Values.OrderBy(s => s.Registration.Id, StringComparer.Ordinal).Select(s => new BoardInfo(
            s.Registration, s.State, s.Exploration, s.Measurements, s.ConsecutiveFailures, s.Failures, s.LastError, Utilisation(s, now)))];

    private static double Utilisation(Slot slot, DateTimeOffset now)
    {
        var lifetime = now - slot.AddedAt;
        var busy = slot.BusyTime + (slot.Lease is null ? TimeSpan.Zero : now - slot.LeasedAt);
        return lifetime <= TimeSpan.Zero ? 0 : Math.Clamp(busy / lifetime, 0, 1);
    }

    /// <summary>Ends a slot's lease, counting the time it was held.</summary>
    private static void Free(Slot slot, DateTimeOffset now)
    {
        slot.BusyTime += now - slot.LeasedAt;
        (slot.Lease, slot.Exploration, slot.Holder) = (null, null, null);
    }

    private void Dispatch(DateTimeOffset now)
    {
        // The board idle longest first, so a kind's boards share the work (and none goes stale unnoticed).
        foreach (var slot in _boards.Values.Where(s => s.State == BoardState.Idle).OrderBy(s => s.FreedAt).ThenBy(s => s.Registration.Id, StringComparer.Ordinal).ToList())
        {
            var waiter = _waiters
                .Where(w => w.Kind == slot.Registration.Kind)
                .OrderBy(w => _boards.Values.Count(s => s.Exploration == w.Exploration))
                .ThenBy(w => _lastServed.GetValueOrDefault(w.Exploration))
                .ThenBy(w => w.Sequence)
                .FirstOrDefault();
            if (waiter is null)
            {
                continue;
            }

            _waiters.Remove(waiter);
            var lease = new BoardLease(slot.Registration.Id, Guid.NewGuid());
            (slot.State, slot.Lease, slot.Exploration, slot.Holder, slot.LeasedAt) = (BoardState.Busy, lease.LeaseId, waiter.Exploration, waiter.Holder, now);
            _lastServed[waiter.Exploration] = ++_sequence;
            waiter.Lease.TrySetResult(lease);
        }
    }

    private InvalidOperationException NoBoard(string kind)
    {
        var kinds = _boards.Values.Select(b => b.Registration.Kind).Distinct().Order(StringComparer.Ordinal).ToList();
        return new InvalidOperationException(
            $"the farm has no board of kind '{kind}' ({(kinds.Count == 0 ? "it has no boards" : "kinds: " + string.Join(", ", kinds))}); add one with 'dsx boards add'");
    }

    private sealed record Waiter(string Kind, string Exploration, string? Holder, long Sequence, TaskCompletionSource<BoardLease> Lease);

    private sealed class Slot(BoardRegistration registration)
    {
        public BoardRegistration Registration { get; } = registration;

        public BoardState State { get; set; }

        public Guid? Lease { get; set; }

        public string? Exploration { get; set; }

        public string? Holder { get; set; }

        public DateTimeOffset LeasedAt { get; set; }

        public long FreedAt { get; set; }

        public DateTimeOffset AddedAt { get; init; }

        public TimeSpan BusyTime { get; set; }

        public int Measurements { get; set; }

        public int ConsecutiveFailures { get; set; }

        public int Failures { get; set; }

        public string? LastError { get; set; }
    }
}
