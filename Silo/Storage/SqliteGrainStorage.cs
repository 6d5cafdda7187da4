using System.Globalization;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Dsx.Grains;
using Orleans.Runtime;
using Orleans.Storage;

namespace Dsx.Silo.Storage;

/// <summary>
/// Orleans grain storage in one SQLite file: nothing to install on a single machine, and a state whose write
/// returned survives the silo being killed (WAL journal, <c>synchronous=FULL</c>). Writes that wait for the one
/// writer are committed together, in one transaction (a group commit): each returns once that commit is on disk, and one
/// fsync covers them all, so a farm's concurrent writes do not queue one fsync each (on a busy disk a few milliseconds to
/// tens of them) behind one another.
/// </summary>
/// <remarks>
/// One row per (state name, grain id). The ETag is the row's version, which only grows: a clear keeps the row as
/// a tombstone (no payload, no ETag) so a stale activation that still holds an ETag from before the clear can never
/// match a later write's ETag.
/// </remarks>
public sealed partial class SqliteGrainStorage : IGrainStorage, ILifecycleParticipant<ISiloLifecycle>, IDisposable
{
    // Bumped when the table changes shape; stored in the file's user_version so an older silo refuses a newer file.
    private const int SchemaVersion = 1;

    /// <summary>
    /// Writes stop (and the silo refuses to start) with less free space than this on the file's file system: SQLite
    /// itself would fail only once its WAL can no longer grow or be checkpointed, which may be long after the disk
    /// filled; a clear early failure leaves room for the WAL to be checkpointed when space is freed.
    /// </summary>
    public const long MinimumFreeBytes = 1 << 20;

    private const string CreateSchemaSql = """
        CREATE TABLE IF NOT EXISTS grain_state (
            state_name  TEXT    NOT NULL,
            grain_id    TEXT    NOT NULL,
            payload     BLOB,
            etag        TEXT,
            version     INTEGER NOT NULL,
            updated_utc TEXT    NOT NULL,
            PRIMARY KEY (state_name, grain_id)
        ) WITHOUT ROWID;
        """;

    private const string ReadSql =
        "SELECT payload, etag, version FROM grain_state WHERE state_name = $state AND grain_id = $grain";

    private const string UpsertSql = """
        INSERT INTO grain_state (state_name, grain_id, payload, etag, version, updated_utc)
        VALUES ($state, $grain, $payload, $etag, $version, $updated)
        ON CONFLICT (state_name, grain_id) DO UPDATE SET
            payload = excluded.payload, etag = excluded.etag, version = excluded.version, updated_utc = excluded.updated_utc
        """;

    private readonly string _name;
    private readonly string _path;
    private readonly string _connectionString;
    private readonly int _busyTimeoutMs;
    private readonly IGrainStorageSerializer _serializer;
    private readonly ILogger<SqliteGrainStorage> _logger;

    // SQLite admits one writer per file anyway; queueing this process's writers on an async gate keeps them from
    // parking thread-pool threads in SQLite's busy handler. Other processes on the file still meet the busy timeout.
    private readonly SemaphoreSlim _writeGate = new(1, 1);
    // The writes waiting for the gate; whoever takes it commits all of them (see CommitAsync).
    private readonly List<PendingWrite> _pending = [];
    private readonly SemaphoreSlim _initGate = new(1, 1);
    private volatile bool _initialised;

    public SqliteGrainStorage(string name, SqliteStorageOptions options, ILogger<SqliteGrainStorage> logger)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        if (string.IsNullOrWhiteSpace(options.Path))
            throw new ArgumentException($"SQLite grain storage '{name}': {nameof(SqliteStorageOptions)}.{nameof(SqliteStorageOptions.Path)} is empty; give the file that keeps grain state.", nameof(options));
        if (options.GrainStorageSerializer is null)
            throw new ArgumentException($"SQLite grain storage '{name}': no {nameof(IGrainStorageSerializer)}; register the storage through AddSqliteGrainStorage, which takes the silo's.", nameof(options));
        if (options.BusyTimeout < TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(options), options.BusyTimeout, "BusyTimeout must not be negative.");

        _name = name;
        _path = System.IO.Path.GetFullPath(options.Path);
        _serializer = options.GrainStorageSerializer;
        _logger = logger;
        _busyTimeoutMs = (int)Math.Min(int.MaxValue, options.BusyTimeout.TotalMilliseconds);
        _connectionString = ConnectionString(_path, _busyTimeoutMs);
    }

    /// <summary>The absolute path of the SQLite file.</summary>
    public string Path => _path;

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        ReadStateAsync(stateName, grainId, grainState, CancellationToken.None);

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        WriteStateAsync(stateName, grainId, grainState, CancellationToken.None);

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        ClearStateAsync(stateName, grainId, grainState, CancellationToken.None);

    public async Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stateName);
        ArgumentNullException.ThrowIfNull(grainState);
        await EnsureInitialisedAsync(cancellationToken);
        var key = grainId.ToString();
        // Microsoft.Data.Sqlite's async methods run synchronously: file I/O goes to the thread pool so it does not
        // hold one of Orleans' scheduler threads.
        var row = await Task.Run(() => Use(connection => ReadRow(connection, null, stateName, key), "read"), cancellationToken);
        if (row.Payload is null)
        {
            // Missing or cleared: the state keeps the default instance Orleans gave it, as the memory storage does.
            grainState.ETag = null;
            grainState.RecordExists = false;
            return;
        }
        grainState.State = Deserialize<T>(row.Payload, stateName, key);
        grainState.ETag = row.ETag;
        grainState.RecordExists = true;
    }

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stateName);
        ArgumentNullException.ThrowIfNull(grainState);
        await EnsureInitialisedAsync(cancellationToken);
        var key = grainId.ToString();
        var payload = _serializer.Serialize(grainState.State).ToArray();
        var etag = await CommitAsync(new PendingWrite(stateName, key, grainState.ETag, payload), cancellationToken);
        grainState.ETag = etag;
        grainState.RecordExists = true;
    }

    public async Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stateName);
        ArgumentNullException.ThrowIfNull(grainState);
        await EnsureInitialisedAsync(cancellationToken);
        var key = grainId.ToString();
        await CommitAsync(new PendingWrite(stateName, key, grainState.ETag, payload: null), cancellationToken);
        grainState.ETag = null;
        grainState.RecordExists = false;
    }

    /// <summary>
    /// Creates the file, its folder and the table if missing; safe to call any number of times. A failure is not
    /// remembered: the next operation tries again, so fixing the folder does not need a silo restart.
    /// </summary>
    /// <exception cref="SqliteGrainStorageException">The file cannot be created, written or is not this storage's.</exception>
    public async Task EnsureInitialisedAsync(CancellationToken cancellationToken)
    {
        if (_initialised)
            return;
        await _initGate.WaitAsync(cancellationToken);
        try
        {
            if (_initialised)
                return;
            await Task.Run(() => Initialise(_name, _path, _connectionString, _busyTimeoutMs, _logger), cancellationToken);
            _initialised = true;
        }
        finally
        {
            _initGate.Release();
        }
    }

    /// <summary>
    /// What the silo does with the file at start, without a silo: for a command line that should refuse an unusable
    /// path with one line before it starts anything.
    /// </summary>
    /// <exception cref="SqliteGrainStorageException">The file cannot be created or written, its disk is full, or it is not this storage's.</exception>
    public static Task PrepareAsync(string name, string path, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var full = System.IO.Path.GetFullPath(path);
        var busyTimeoutMs = (int)new SqliteStorageOptions().BusyTimeout.TotalMilliseconds;
        // Unpooled: nothing keeps the file open afterwards (a silo in another process takes it over).
        var connectionString = ConnectionString(full, busyTimeoutMs, pooling: false);
        return Task.Run(() => Initialise(name, full, connectionString, busyTimeoutMs, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance), cancellationToken);
    }

    public void Participate(ISiloLifecycle lifecycle)
    {
        ArgumentNullException.ThrowIfNull(lifecycle);
        // Open the file while the silo starts: an unwritable path stops the silo with our message instead of
        // failing the first grain that persists.
        lifecycle.Subscribe($"{nameof(SqliteGrainStorage)}-{_name}", ServiceLifecycleStage.ApplicationServices, EnsureInitialisedAsync);
    }

    public void Dispose()
    {
        // Pooled connections hold the file (and its -wal/-shm) open; release them so the file can be copied,
        // reopened or deleted once the silo is gone. Closing the last one also checkpoints the WAL.
        using (var connection = new SqliteConnection(_connectionString))
            SqliteConnection.ClearPool(connection);
        _writeGate.Dispose();
        _initGate.Dispose();
    }

    private static string ConnectionString(string path, int busyTimeoutMs, bool pooling = true) => new SqliteConnectionStringBuilder
    {
        DataSource = path,
        Mode = SqliteOpenMode.ReadWriteCreate,
        // Pooled connections keep the file open between operations: opening is then nearly free, and the WAL
        // index stays mapped. Dispose clears the pool so the file is released.
        Pooling = pooling,
        DefaultTimeout = Math.Max(1, busyTimeoutMs / 1000),
    }.ToString();

    private static void Initialise(string name, string path, string connectionString, int busyTimeoutMs, ILogger logger)
    {
        try
        {
            // The two path mistakes SQLite would only call "unable to open database file".
            if (Directory.Exists(path))
                throw new IOException("a directory is in its place");
            for (var folder = System.IO.Path.GetDirectoryName(path); !string.IsNullOrEmpty(folder); folder = System.IO.Path.GetDirectoryName(folder))
            {
                if (File.Exists(folder))
                    throw new IOException($"'{folder}' on its path is a file, not a folder");
            }
            var parent = System.IO.Path.GetDirectoryName(path);
            if (!string.IsNullOrEmpty(parent))
                Directory.CreateDirectory(parent);
            Use(connectionString, busyTimeoutMs, connection =>
            {
                // WAL is a property of the file (it persists), so setting it once here is enough; it lets readers
                // run while a write commits and makes each commit one append plus fsync.
                var journal = Scalar(connection, "PRAGMA journal_mode=WAL") as string;
                if (!string.Equals(journal, "wal", StringComparison.OrdinalIgnoreCase))
                    LogNoWal(logger, name, path, journal ?? "unknown");
                var version = Convert.ToInt64(Scalar(connection, "PRAGMA user_version"), CultureInfo.InvariantCulture);
                if (version > SchemaVersion)
                    throw new InvalidDataException($"the file has schema version {version}, newer than this silo's {SchemaVersion}");
                using var transaction = connection.BeginTransaction(deferred: false);
                Execute(connection, transaction, CreateSchemaSql);
                Execute(connection, transaction, $"PRAGMA user_version = {SchemaVersion}");
                transaction.Commit();
                return 0;
            });
            // After SQLite had its say: a read-only file system (which reports no free space) is named as such.
            EnsureRoom(path);
        }
        catch (Exception e) when (e is SqliteException or IOException or UnauthorizedAccessException or InvalidDataException or StorageUnavailableException)
        {
            throw new SqliteGrainStorageException(
                $"SQLite grain storage '{name}' cannot use the file '{path}': {FullDiskReason(e, path) ?? Reason(e).TrimEnd('.')}. " +
                "Point it at a file in a folder the silo can write, on a disk with free space (a missing folder is created).", e);
        }
        LogOpened(logger, name, path);
    }

    private static string Reason(Exception e) => e switch
    {
        SqliteException { SqliteErrorCode: 26 } => "it is not an SQLite database",
        SqliteException { SqliteErrorCode: 8 } => "the file or its folder is read-only",
        SqliteException { SqliteErrorCode: 13 } => "its disk is full",
        SqliteException { SqliteErrorCode: 14 } => "it cannot be opened or created (missing permission, read-only folder, or not a regular file)",
        SqliteException s => s.Message,
        StorageUnavailableException => e.Message,
        _ => e.Message,
    };

    /// <summary>
    /// Queues <paramref name="write"/> and waits for the gate; whoever takes it commits every write queued by then in one
    /// transaction. A write taken into another's commit has its outcome once the gate is free again.
    /// </summary>
    /// <returns>The new ETag (null for a clear).</returns>
    private async Task<string?> CommitAsync(PendingWrite write, CancellationToken cancellationToken)
    {
        lock (_pending)
            _pending.Add(write);
        try
        {
            await _writeGate.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            lock (_pending)
            {
                if (_pending.Remove(write))
                    throw;
            }
            // Already in a commit: not cancellable once started, a write either commits or does not, never half.
            return await write.Outcome.Task;
        }
        try
        {
            // A commit completes every write it took before it lets go of the gate: one not completed is still queued.
            if (!write.Outcome.Task.IsCompleted)
            {
                List<PendingWrite> group;
                lock (_pending)
                {
                    group = [.. _pending];
                    _pending.Clear();
                }
                await Task.Run(() => Commit(group), CancellationToken.None);
            }
        }
        finally
        {
            _writeGate.Release();
        }
        return await write.Outcome.Task;
    }

    /// <summary>
    /// Writes the group in one transaction. A write whose ETag does not match fails alone (it changed nothing); a
    /// failure of the transaction (disk full, read-only, I/O) fails the whole group, none of which was written.
    /// </summary>
    private void Commit(List<PendingWrite> group)
    {
        try
        {
            var refused = UseForWrite(connection =>
            {
                // IMMEDIATE takes the write lock before the stored ETags are read, so nobody writes between check and write.
                using var transaction = connection.BeginTransaction(deferred: false);
                var mismatches = new Dictionary<PendingWrite, InconsistentStateException>();
                foreach (var write in group)
                {
                    try
                    {
                        write.ETag = Write(connection, transaction, write);
                    }
                    catch (InconsistentStateException e)
                    {
                        mismatches[write] = e;
                    }
                }
                transaction.Commit();
                return mismatches;
            });
            foreach (var write in group)
            {
                if (refused.TryGetValue(write, out var mismatch))
                    write.Outcome.SetException(mismatch);
                else
                    write.Outcome.SetResult(write.ETag);
            }
        }
        catch (Exception e)
        {
            foreach (var write in group)
                write.Outcome.TrySetException(e);
        }
    }

    /// <summary>A write, after checking there is room for it: a full disk fails it before SQLite is asked.</summary>
    private TResult UseForWrite<TResult>(Func<SqliteConnection, TResult> work) =>
        Use(connection =>
        {
            EnsureRoom(_path);
            return work(connection);
        }, "write");

    /// <summary>
    /// <paramref name="work"/> on an open connection; SQLite's failures (full, read-only, I/O) become a
    /// <see cref="StorageUnavailableException"/> naming the file: the grain's caller may wait and try again.
    /// </summary>
    private TResult Use<TResult>(Func<SqliteConnection, TResult> work, string what)
    {
        try
        {
            return Use(_connectionString, _busyTimeoutMs, work);
        }
        catch (Exception e) when (e is SqliteException or StorageUnavailableException)
        {
            throw new StorageUnavailableException($"SQLite grain storage '{_name}' cannot {what} '{_path}': {FullDiskReason(e, _path) ?? Reason(e).TrimEnd('.')}", e);
        }
    }

    private static TResult Use<TResult>(string connectionString, int busyTimeoutMs, Func<SqliteConnection, TResult> work)
    {
        using var connection = new SqliteConnection(connectionString);
        connection.Open();
        // Per connection, not per file: FULL fsyncs the WAL at every commit, so a write that returned is on disk
        // even if the machine, not just the silo, goes down. The busy timeout makes SQLite wait for another
        // process's write lock instead of failing with SQLITE_BUSY.
        Execute(connection, null, "PRAGMA synchronous = FULL");
        SQLitePCL.raw.sqlite3_busy_timeout(connection.Handle, busyTimeoutMs);
        return work(connection);
    }

    /// <exception cref="StorageUnavailableException">Less than <see cref="MinimumFreeBytes"/> free where the file is (SQLITE_FULL as its cause).</exception>
    private static void EnsureRoom(string path)
    {
        if (NoRoom(path) is { } reason)
        {
            throw new StorageUnavailableException(reason, new SqliteException("database or disk is full", 13));
        }
    }

    /// <summary>Why the file's file system takes no more writes, or null when it has room.</summary>
    private static string? NoRoom(string path)
    {
        var free = new DriveInfo(System.IO.Path.GetDirectoryName(path) ?? path).AvailableFreeSpace;
        return free < MinimumFreeBytes
            ? string.Create(CultureInfo.InvariantCulture, $"its disk is full ({free / 1024} KiB free, at least {MinimumFreeBytes / 1024} KiB needed)")
            : null;
    }

    /// <summary>SQLite says "disk I/O error" when it cannot even create its -wal or -shm on a full disk: say what it is.</summary>
    private static string? FullDiskReason(Exception e, string path) =>
        e is SqliteException { SqliteErrorCode: 10 or 13 } ? NoRoom(path) : null;

    /// <summary>Writes a payload, or a tombstone when the write has none, if the ETag matches (checked before anything changes).</summary>
    private static string? Write(SqliteConnection connection, SqliteTransaction transaction, PendingWrite write)
    {
        var (stateName, grainId, expectedETag, payload) = (write.StateName, write.GrainId, write.ExpectedETag, write.Payload);
        var stored = ReadRow(connection, transaction, stateName, grainId);
        if (!string.Equals(stored.ETag, expectedETag, StringComparison.Ordinal))
        {
            throw new InconsistentStateException(
                $"ETag mismatch for state '{stateName}' of grain {grainId}: stored {stored.ETag ?? "none"}, given {expectedETag ?? "none"}.",
                stored.ETag, expectedETag);
        }
        if (payload is null && stored.Version == 0)
            return null; // clearing what was never written: nothing to record.

        var version = stored.Version + 1;
        var etag = payload is null ? null : version.ToString(CultureInfo.InvariantCulture);
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = UpsertSql;
        command.Parameters.AddWithValue("$state", stateName);
        command.Parameters.AddWithValue("$grain", grainId);
        command.Parameters.AddWithValue("$payload", (object?)payload ?? DBNull.Value);
        command.Parameters.AddWithValue("$etag", (object?)etag ?? DBNull.Value);
        command.Parameters.AddWithValue("$version", version);
        command.Parameters.AddWithValue("$updated", DateTime.UtcNow.ToString("O", CultureInfo.InvariantCulture));
        command.ExecuteNonQuery();
        return etag;
    }

    private static StoredRow ReadRow(SqliteConnection connection, SqliteTransaction? transaction, string stateName, string grainId)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = ReadSql;
        command.Parameters.AddWithValue("$state", stateName);
        command.Parameters.AddWithValue("$grain", grainId);
        using var reader = command.ExecuteReader();
        if (!reader.Read())
            return new StoredRow(null, null, 0);
        return new StoredRow(
            reader.IsDBNull(0) ? null : (byte[])reader.GetValue(0),
            reader.IsDBNull(1) ? null : reader.GetString(1),
            reader.GetInt64(2));
    }

    private T Deserialize<T>(byte[] payload, string stateName, string grainId)
    {
        try
        {
            // A state written as null reads back as null, as it was written.
            return _serializer.Deserialize<T>(new BinaryData(payload))!;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw new SqliteGrainStorageException(
                $"SQLite grain storage '{_name}' ({_path}): the stored state '{stateName}' of grain {grainId} cannot be read as {typeof(T)}: {e.Message}", e);
        }
    }

    private static object? Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    private static void Execute(SqliteConnection connection, SqliteTransaction? transaction, string sql)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "SQLite grain storage {Name} uses {Path}")]
    private static partial void LogOpened(ILogger logger, string name, string path);

    [LoggerMessage(Level = LogLevel.Warning, Message = "SQLite grain storage {Name}: {Path} could not switch to WAL (journal mode {Mode}); writes stay durable but readers wait for writers")]
    private static partial void LogNoWal(ILogger logger, string name, string path, string mode);

    /// <summary>A write (a clear without payload) waiting for its commit, and its outcome: the new ETag or why not.</summary>
    /// <remarks>A class, not a record: two writes of equal content are still two writes.</remarks>
    private sealed class PendingWrite(string stateName, string grainId, string? expectedETag, byte[]? payload)
    {
        public string StateName { get; } = stateName;

        public string GrainId { get; } = grainId;

        public string? ExpectedETag { get; } = expectedETag;

        public byte[]? Payload { get; } = payload;

        public TaskCompletionSource<string?> Outcome { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>The ETag written, kept until the transaction commits.</summary>
        public string? ETag { get; set; }
    }

    /// <summary>A stored row; <see cref="Version"/> 0 means none.</summary>
    private readonly record struct StoredRow(byte[]? Payload, string? ETag, long Version);
}
