namespace Dsx.Grains;

/// <summary>
/// Grain storage could not be read or written just now (disk full, read-only, database down): nothing was half-written,
/// and the same operation can be tried again once the storage is back. The message names the storage and the cause.
/// Serialisable, since an episode grain's failed write reaches its exploration on another silo (Orleans serialises
/// exceptions only of types it has codecs for, and of System and Microsoft ones).
/// </summary>
[GenerateSerializer, Alias("Dsx.StorageUnavailableException")]
public sealed class StorageUnavailableException : Exception
{
    public StorageUnavailableException()
    {
    }

    public StorageUnavailableException(string message)
        : base(message)
    {
    }

    public StorageUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
