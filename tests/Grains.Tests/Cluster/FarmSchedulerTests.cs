namespace Dsx.Grains.Tests.Cluster;

public sealed class FarmSchedulerTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static BoardRegistration Board(string id, string kind = "a72") => new(id, kind, "local", "/x", null, null, null, null, null, null, null);

    [Fact]
    public async Task A_lease_on_a_kind_the_farm_lacks_fails_naming_the_kinds_it_has()
    {
        var farm = new FarmScheduler(T0);
        farm.Add(Board("b1"));

        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => farm.LeaseAsync("a53", "x", T0));

        Assert.Contains("no board of kind 'a53' (kinds: a72)", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_freed_board_goes_to_the_exploration_served_least_so_a_later_one_is_not_starved()
    {
        var farm = new FarmScheduler(T0);
        farm.Add(Board("b1"));
        var first = await farm.LeaseAsync("a72", "early", T0);
        var early = Enumerable.Range(0, 3).Select(_ => farm.LeaseAsync("a72", "early", T0)).ToList();
        var late = farm.LeaseAsync("a72", "late", T0);

        farm.Release(first, false, null, T0);

        Assert.True(late.IsCompletedSuccessfully);
        Assert.All(early, t => Assert.False(t.IsCompleted));
        farm.Release(await late, false, null, T0);
        Assert.True(early[0].IsCompletedSuccessfully);
    }

    [Fact]
    public async Task Boards_take_turns_and_three_failures_in_a_row_quarantine_one_until_restored()
    {
        var farm = new FarmScheduler(T0);
        farm.Add(Board("b1"));
        farm.Add(Board("b2"));
        var a = await farm.LeaseAsync("a72", "x", T0);
        farm.Release(a, false, null, T0);
        var b = await farm.LeaseAsync("a72", "x", T0);
        Assert.NotEqual(a.BoardId, b.BoardId);
        farm.Release(b, false, null, T0);

        string? quarantined = null;
        for (var i = 0; i < FarmScheduler.QuarantineAfter; i++)
        {
            var lease = await farm.LeaseAsync("a72", "x", T0);
            // b1 fails every time; b2 succeeds: its successes do not reset b1's count.
            quarantined ??= farm.Release(lease, lease.BoardId == "b1", lease.BoardId == "b1" ? "boom" : null, T0);
            if (lease.BoardId == "b2")
            {
                i--;
            }
        }

        Assert.Equal("b1", quarantined);
        Assert.Equal(["b1"], farm.Quarantined());
        Assert.All(Enumerable.Range(0, 3), _ => Assert.Equal("b2", Lease(farm)));
        farm.Restore("b1");
        Assert.Equal(BoardState.Idle, farm.List(T0).Single(i => i.Registration.Id == "b1").State);
    }

    [Fact]
    public async Task A_board_gone_for_good_gives_back_every_lease_it_failed_and_the_other_board_finishes_the_work()
    {
        var farm = new FarmScheduler(T0);
        farm.Add(Board("gone"));
        farm.Add(Board("good"));
        var current = ("x/e0", await farm.LeaseAsync("a72", "x", T0, "x/e0"));
        var onGood = await farm.LeaseAsync("a72", "x", T0, "x/e1");
        var queued = new List<(string Holder, Task<BoardLease> Lease)> { ("x/e2", farm.LeaseAsync("a72", "x", T0, "x/e2")) };
        Assert.Equal(("gone", "good"), (current.Item2.BoardId, onGood.BoardId));

        // The dead board fails whatever it is given; each failed piece of work asks again (as BoardWork does).
        for (var failures = 1; failures <= FarmScheduler.QuarantineAfter; failures++)
        {
            farm.Release(current.Item2, boardFailed: true, "launch failed", T0);
            queued.Add((current.Item1, farm.LeaseAsync("a72", "x", T0, current.Item1)));
            if (failures < FarmScheduler.QuarantineAfter)
            {
                // Its lease went back to the queue: the board took the next waiting piece.
                var next = Assert.Single(queued, q => q.Lease.IsCompletedSuccessfully);
                queued.Remove(next);
                current = (next.Holder, await next.Lease);
                Assert.Equal("gone", current.Item2.BoardId);
            }
        }

        var gone = farm.List(T0).Single(b => b.Registration.Id == "gone");
        Assert.Equal((BoardState.Quarantined, null, FarmScheduler.QuarantineAfter), (gone.State, gone.Exploration, gone.Failures));
        Assert.All(queued, q => Assert.False(q.Lease.IsCompleted));
        // Every piece the dead board failed is served by the good board, in turn.
        var lease = onGood;
        foreach (var (_, waiting) in queued)
        {
            farm.Release(lease, boardFailed: false, null, T0);
            lease = await waiting;
            Assert.Equal("good", lease.BoardId);
        }
    }

    [Fact]
    public async Task An_expired_lease_is_taken_back_and_its_late_release_is_ignored()
    {
        var farm = new FarmScheduler(T0);
        farm.Add(Board("b1"));
        var stale = await farm.LeaseAsync("a72", "x", T0);
        var waiting = farm.LeaseAsync("a72", "y", T0);

        farm.Expire(T0.AddMinutes(2), TimeSpan.FromMinutes(1));
        var next = await waiting;
        Assert.Null(farm.Release(stale, true, "late", T0));

        Assert.Equal("y", farm.List(T0).Single().Exploration);
        Assert.Equal(0, farm.List(T0).Single().Failures);
        farm.Release(next, false, null, T0);
    }

    [Fact]
    public async Task A_holder_asking_again_gets_back_the_board_it_lost_instead_of_waiting_for_the_lease_timeout()
    {
        var farm = new FarmScheduler(T0);
        farm.Add(Board("b1"));
        var lost = await farm.LeaseAsync("a72", "x", T0, "x/e3");

        var again = farm.LeaseAsync("a72", "x", T0, "x/e3");

        Assert.True(again.IsCompletedSuccessfully);
        Assert.Equal("b1", (await again).BoardId);
        Assert.Null(farm.Release(lost, true, "from the dead silo", T0));
        Assert.Equal(0, farm.List(T0).Single().Failures);
    }

    [Fact]
    public async Task Removing_the_last_board_of_a_kind_fails_its_waiters()
    {
        var farm = new FarmScheduler(T0);
        farm.Add(Board("b1"));
        await farm.LeaseAsync("a72", "x", T0);
        var waiting = farm.LeaseAsync("a72", "y", T0);

        farm.Remove("b1");

        await Assert.ThrowsAsync<InvalidOperationException>(() => waiting);
    }

    private static string Lease(FarmScheduler farm)
    {
        var lease = farm.LeaseAsync("a72", "x", T0);
        Assert.True(lease.IsCompletedSuccessfully);
        farm.Release(lease.Result, false, null, T0);
        return lease.Result.BoardId;
    }

    [Fact]
    public async Task A_boards_utilisation_is_the_share_of_its_time_in_the_farm_it_was_leased()
    {
        var farm = new FarmScheduler(T0);
        farm.Add(Board("b1"));
        farm.Add(Board("b2"), T0.AddSeconds(40));
        var lease = await farm.LeaseAsync("a72", "x", T0.AddSeconds(10));
        Assert.Equal("b1", lease.BoardId);
        farm.Release(lease, false, null, T0.AddSeconds(40));
        var held = await farm.LeaseAsync("a72", "x", T0.AddSeconds(50));
        Assert.Equal("b2", held.BoardId);

        var boards = farm.List(T0.AddSeconds(60));

        Assert.Equal(0.5, boards.Single(b => b.Registration.Id == "b1").Utilisation, 6);
        // Still leased: its time so far counts.
        Assert.Equal(0.5, boards.Single(b => b.Registration.Id == "b2").Utilisation, 6);
    }
}
