using Dsx.Silo.Storage;
using Microsoft.Data.Sqlite;
using Orleans;
using Orleans.Storage;

namespace Dsx.Grains.Tests.Storage;

public sealed class SqliteGrainStorageTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Written_state_reads_back_with_its_etag()
    {
        using var storage = TestStorage.Open(_folder.FilePath("state.db"));
        var grain = TestStorage.Grain("a");
        var written = State(new CounterState { Value = 42, Note = "first" });

        await storage.WriteStateAsync("s", grain, written);

        Assert.True(written.RecordExists);
        Assert.NotNull(written.ETag);
        var read = State();
        await storage.ReadStateAsync("s", grain, read);
        Assert.True(read.RecordExists);
        Assert.Equal(written.ETag, read.ETag);
        Assert.Equal(42, read.State!.Value);
        Assert.Equal("first", read.State!.Note);
    }

    [Fact]
    public async Task Missing_state_reads_as_absent_and_keeps_the_default()
    {
        using var storage = TestStorage.Open(_folder.FilePath("state.db"));
        var read = State(new CounterState { Value = 7 });

        await storage.ReadStateAsync("s", TestStorage.Grain("nobody"), read);

        Assert.False(read.RecordExists);
        Assert.Null(read.ETag);
        Assert.Equal(7, read.State!.Value);
    }

    [Fact]
    public async Task State_name_and_grain_id_both_key_the_row()
    {
        using var storage = TestStorage.Open(_folder.FilePath("state.db"));
        await storage.WriteStateAsync("s", TestStorage.Grain("a"), State(new CounterState { Value = 1 }));
        await storage.WriteStateAsync("t", TestStorage.Grain("a"), State(new CounterState { Value = 2 }));
        await storage.WriteStateAsync("s", TestStorage.Grain("b"), State(new CounterState { Value = 3 }));

        Assert.Equal(1, (await Read(storage, "s", "a")).State!.Value);
        Assert.Equal(2, (await Read(storage, "t", "a")).State!.Value);
        Assert.Equal(3, (await Read(storage, "s", "b")).State!.Value);
    }

    [Fact]
    public async Task A_write_with_a_stale_etag_throws_and_leaves_the_stored_state()
    {
        using var storage = TestStorage.Open(_folder.FilePath("state.db"));
        var grain = TestStorage.Grain("a");
        var first = State(new CounterState { Value = 1 });
        await storage.WriteStateAsync("s", grain, first);
        var stale = await Read(storage, "s", "a");
        first.State!.Value = 2;
        await storage.WriteStateAsync("s", grain, first);

        stale.State!.Value = 99;
        var e = await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync("s", grain, stale));

        Assert.Equal(first.ETag, e.StoredEtag);
        Assert.Equal(stale.ETag, e.CurrentEtag);
        Assert.Equal(2, (await Read(storage, "s", "a")).State!.Value);
    }

    [Fact]
    public async Task A_second_first_write_throws()
    {
        // Two activations that both found no record: only one may create it.
        using var storage = TestStorage.Open(_folder.FilePath("state.db"));
        var grain = TestStorage.Grain("a");
        await storage.WriteStateAsync("s", grain, State(new CounterState { Value = 1 }));

        await Assert.ThrowsAsync<InconsistentStateException>(
            () => storage.WriteStateAsync("s", grain, State(new CounterState { Value = 2 })));
    }

    [Fact]
    public async Task Clear_removes_the_state_and_resets_the_etag()
    {
        using var storage = TestStorage.Open(_folder.FilePath("state.db"));
        var grain = TestStorage.Grain("a");
        var state = State(new CounterState { Value = 5 });
        await storage.WriteStateAsync("s", grain, state);

        await storage.ClearStateAsync("s", grain, state);

        Assert.False(state.RecordExists);
        Assert.Null(state.ETag);
        var read = await Read(storage, "s", "a");
        Assert.False(read.RecordExists);
        Assert.Null(read.ETag);
        // A cleared state is written again from scratch, with no ETag.
        state.State!.Value = 6;
        await storage.WriteStateAsync("s", grain, state);
        Assert.Equal(6, (await Read(storage, "s", "a")).State!.Value);
    }

    [Fact]
    public async Task An_etag_from_before_a_clear_never_matches_again()
    {
        using var storage = TestStorage.Open(_folder.FilePath("state.db"));
        var grain = TestStorage.Grain("a");
        var current = State(new CounterState { Value = 1 });
        await storage.WriteStateAsync("s", grain, current);
        var stale = await Read(storage, "s", "a");
        await storage.ClearStateAsync("s", grain, current);
        await storage.WriteStateAsync("s", grain, current);

        Assert.NotEqual(stale.ETag, current.ETag);
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync("s", grain, stale));
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.ClearStateAsync("s", grain, stale));
    }

    [Fact]
    public async Task Clearing_a_state_never_written_is_fine()
    {
        using var storage = TestStorage.Open(_folder.FilePath("state.db"));
        var state = State();

        await storage.ClearStateAsync("s", TestStorage.Grain("a"), state);

        Assert.False(state.RecordExists);
        Assert.Null(state.ETag);
    }

    [Fact]
    public async Task Many_grains_writing_in_parallel_all_land()
    {
        using var storage = TestStorage.Open(_folder.FilePath("state.db"));
        const int Grains = 64;
        const int WritesEach = 5;

        await Task.WhenAll(Enumerable.Range(0, Grains).Select(g => Task.Run(async () =>
        {
            var state = State();
            for (var i = 1; i <= WritesEach; i++)
            {
                state.State!.Value = g * 100 + i;
                await storage.WriteStateAsync("s", TestStorage.Grain($"g{g}"), state);
            }
        })));

        for (var g = 0; g < Grains; g++)
            Assert.Equal(g * 100 + WritesEach, (await Read(storage, "s", $"g{g}")).State!.Value);
    }

    [Fact]
    public async Task Writes_that_wait_together_commit_together_and_a_stale_one_fails_alone()
    {
        var path = _folder.FilePath("state.db");
        using var storage = TestStorage.Open(path);
        var stale = State(new CounterState { Value = 1 });
        await storage.WriteStateAsync("s", TestStorage.Grain("a"), stale);
        var current = await Read(storage, "s", "a");
        current.State!.Value = 2;
        await storage.WriteStateAsync("s", TestStorage.Grain("a"), current);

        // Another connection holds SQLite's write lock: the first write takes the gate (before WriteStateAsync returns) and
        // waits for the lock; the others queue behind the gate and go in one commit once the lock is free.
        Task first;
        List<Task> queued;
        using (var holder = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            holder.Open();
            using var locked = holder.BeginTransaction(deferred: false);
            first = storage.WriteStateAsync("s", TestStorage.Grain("first"), State(new CounterState { Value = 7 }));
            stale.State!.Value = 99;
            queued = [.. Enumerable.Range(0, 8).Select(g => storage.WriteStateAsync("s", TestStorage.Grain($"g{g}"), State(new CounterState { Value = g }))),
                storage.WriteStateAsync("s", TestStorage.Grain("a"), stale)];
            Assert.False(first.IsCompleted);
            locked.Commit();
        }

        await first.WaitAsync(TimeSpan.FromMinutes(1));
        var staleWrite = queued[^1];
        await Assert.ThrowsAsync<InconsistentStateException>(() => staleWrite.WaitAsync(TimeSpan.FromMinutes(1)));
        await Task.WhenAll(queued.Take(8)).WaitAsync(TimeSpan.FromMinutes(1));
        Assert.Equal(7, (await Read(storage, "s", "first")).State!.Value);
        for (var g = 0; g < 8; g++)
            Assert.Equal(g, (await Read(storage, "s", $"g{g}")).State!.Value);
        Assert.Equal(2, (await Read(storage, "s", "a")).State!.Value);
    }

    [Fact]
    public async Task A_write_cancelled_while_it_waits_for_the_writer_is_not_written()
    {
        var path = _folder.FilePath("state.db");
        using var storage = TestStorage.Open(path);
        await storage.WriteStateAsync("s", TestStorage.Grain("before"), State(new CounterState { Value = 0 }));
        Task first;
        Task cancelled;
        using (var holder = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            holder.Open();
            using var locked = holder.BeginTransaction(deferred: false);
            first = storage.WriteStateAsync("s", TestStorage.Grain("first"), State(new CounterState { Value = 1 }));
            using var cancel = new CancellationTokenSource();
            // The first write holds the gate (taken before WriteStateAsync returned) and waits for SQLite's lock: this one waits for the gate.
            cancelled = storage.WriteStateAsync("s", TestStorage.Grain("late"), State(new CounterState { Value = 2 }), cancel.Token);
            await cancel.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled.WaitAsync(TimeSpan.FromMinutes(1)));
            locked.Commit();
        }

        await first.WaitAsync(TimeSpan.FromMinutes(1));
        Assert.Equal(1, (await Read(storage, "s", "first")).State!.Value);
        Assert.False((await Read(storage, "s", "late")).RecordExists);
    }

    [Fact]
    public async Task Two_storages_on_one_file_wait_for_each_other_instead_of_failing_busy()
    {
        // Two instances do not share the in-process write gate, like two silos or the measurement store on the
        // same file: only SQLite's busy timeout keeps them from SQLITE_BUSY.
        var path = _folder.FilePath("state.db");
        using var one = TestStorage.Open(path, "one");
        using var two = TestStorage.Open(path, "two");

        await Task.WhenAll(new[] { one, two }.SelectMany((storage, s) => Enumerable.Range(0, 16).Select(g => Task.Run(async () =>
        {
            var state = State();
            for (var i = 1; i <= 3; i++)
            {
                state.State!.Value = i;
                await storage.WriteStateAsync($"s{s}", TestStorage.Grain($"g{g}"), state);
            }
        }))));

        for (var g = 0; g < 16; g++)
        {
            Assert.Equal(3, (await Read(one, "s0", $"g{g}")).State!.Value);
            Assert.Equal(3, (await Read(one, "s1", $"g{g}")).State!.Value);
        }
    }

    [Fact]
    public async Task State_survives_closing_and_reopening_the_file()
    {
        var path = _folder.FilePath("state.db");
        string? etag;
        using (var storage = TestStorage.Open(path))
        {
            var state = State(new CounterState { Value = 11, Note = "kept" });
            await storage.WriteStateAsync("s", TestStorage.Grain("a"), state);
            etag = state.ETag;
        }

        using var reopened = TestStorage.Open(path);
        var read = await Read(reopened, "s", "a");
        Assert.True(read.RecordExists);
        Assert.Equal(etag, read.ETag);
        Assert.Equal("kept", read.State!.Note);
        // And the ETag chain goes on where it stopped.
        read.State!.Value = 12;
        await reopened.WriteStateAsync("s", TestStorage.Grain("a"), read);
    }

    [Fact]
    public async Task Every_returned_write_is_in_a_copy_taken_without_checkpoint()
    {
        // What a SIGKILL leaves: the database file and its WAL as they are, nothing closed or checkpointed.
        var path = _folder.FilePath("state.db");
        const int Count = 200;
        using var storage = TestStorage.Open(path);
        for (var i = 0; i < Count; i++)
            await storage.WriteStateAsync("s", TestStorage.Grain($"g{i}"), State(new CounterState { Value = i }));

        Assert.True(new FileInfo(path + "-wal").Length > 0, "the writes should still sit in the WAL");
        var crashed = _folder.FilePath("crashed.db");
        File.Copy(path, crashed);
        File.Copy(path + "-wal", crashed + "-wal");
        var withoutWal = _folder.FilePath("without-wal.db");
        File.Copy(path, withoutWal);

        using var recovered = TestStorage.Open(crashed);
        for (var i = 0; i < Count; i++)
        {
            var read = await Read(recovered, "s", $"g{i}");
            Assert.True(read.RecordExists, $"g{i} lost");
            Assert.Equal(i, read.State!.Value);
        }
        // The copy is only a fair crash if the rows really lived in the WAL alone: the main file lacks them.
        using var bare = TestStorage.Open(withoutWal);
        Assert.False((await Read(bare, "s", $"g{Count - 1}")).RecordExists);
    }

    [Fact]
    public async Task A_directory_in_place_of_the_file_is_named_in_the_error()
    {
        var path = _folder.FilePath("state.db");
        Directory.CreateDirectory(path);
        using var storage = TestStorage.Open(path);

        var e = await Assert.ThrowsAsync<SqliteGrainStorageException>(
            () => storage.WriteStateAsync("s", TestStorage.Grain("a"), State()));

        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.Contains("directory", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_file_in_place_of_the_folder_is_named_in_the_error()
    {
        var blocker = _folder.FilePath("not-a-folder");
        await File.WriteAllTextAsync(blocker, "x");
        var path = Path.Combine(blocker, "state.db");
        using var storage = TestStorage.Open(path);

        var e = await Assert.ThrowsAsync<SqliteGrainStorageException>(() => storage.EnsureInitialisedAsync(CancellationToken.None));

        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.Contains($"'{blocker}' on its path is a file", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_read_only_folder_is_named_in_the_error()
    {
        // root writes through permission bits, so as root a read-only file system stands in for the read-only folder.
        string folder;
        if (Environment.UserName == "root")
        {
            folder = "/proc";
        }
        else
        {
            folder = _folder.FilePath("read-only");
            Directory.CreateDirectory(folder);
            if (!OperatingSystem.IsWindows())
                File.SetUnixFileMode(folder, UnixFileMode.UserRead | UnixFileMode.UserExecute);
        }
        var path = Path.Combine(folder, "dsx-state.db");
        using var storage = TestStorage.Open(path);

        var e = await Assert.ThrowsAsync<SqliteGrainStorageException>(() => storage.EnsureInitialisedAsync(CancellationToken.None));

        Assert.Contains(path, e.Message, StringComparison.Ordinal);
       
        Assert.IsType<SqliteException>(e.InnerException);
    }

    [Fact]
    public async Task A_file_that_is_not_a_database_is_named_in_the_error()
    {
        var path = _folder.FilePath("state.db");
        await File.WriteAllTextAsync(path, new string('x', 4096));
        using var storage = TestStorage.Open(path);

        var e = await Assert.ThrowsAsync<SqliteGrainStorageException>(() => storage.EnsureInitialisedAsync(CancellationToken.None));

        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.Contains("not an SQLite database", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_folder_is_created_when_missing()
    {
        var path = Path.Combine(_folder.Path, "a", "b", "state.db");
        using var storage = TestStorage.Open(path);

        await storage.WriteStateAsync("s", TestStorage.Grain("a"), State(new CounterState { Value = 1 }));

        Assert.True(File.Exists(path));
    }

    private static GrainState<CounterState> State(CounterState? state = null) => new GrainState<CounterState>(state ?? new CounterState());

    private static async Task<IGrainState<CounterState>> Read(SqliteGrainStorage storage, string stateName, string key)
    {
        var state = State();
        await storage.ReadStateAsync(stateName, TestStorage.Grain(key), state);
        return state;
    }
}
