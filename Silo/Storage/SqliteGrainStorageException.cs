namespace Dsx.Silo.Storage;

/// <summary>
/// The SQLite grain storage cannot use its file (not writable, not a database) or cannot read a stored state;
/// the message names the file and what to do, the inner exception keeps SQLite's or the file system's detail.
/// </summary>
public sealed class SqliteGrainStorageException(string message, Exception innerException)
    : Exception(message, innerException);
