using Orleans.Storage;

namespace Dsx.Silo.Storage;

/// <summary>Where and how one named SQLite grain storage keeps its state.</summary>
/// <remarks>
/// Mutable because Orleans binds provider options through the named-options pattern
/// (configure, then post-configure the serializer from DI), which needs a settable, parameterless type.
/// </remarks>
public sealed record SqliteStorageOptions : IStorageProviderSerializerOptions
{
    /// <summary>The SQLite file; it and its folder are created on first use when missing.</summary>
    public string Path { get; set; } = "";

    /// <summary>
    /// How long one operation waits for another writer (another grain, the measurement store or a second process
    /// on the same file) before failing: SQLite allows one writer at a time and answers SQLITE_BUSY otherwise.
    /// </summary>
    public TimeSpan BusyTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Turns grain state into the stored payload and back. Left null, it is filled with the silo's configured
    /// <see cref="IGrainStorageSerializer"/>, as Orleans' own providers do.
    /// </summary>
    public IGrainStorageSerializer GrainStorageSerializer { get; set; } = null!;
}
