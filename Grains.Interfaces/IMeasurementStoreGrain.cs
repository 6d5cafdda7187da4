namespace Dsx.Grains;

/// <summary>
/// The measurement table of one model on one board kind (key: <c>boardKind/modelHash</c>), shared by every exploration
/// of them; a measurement is recorded once per request key, so a replayed request does not count twice.
/// </summary>
[Alias("Dsx.IMeasurementStoreGrain")]
public interface IMeasurementStoreGrain : IGrainWithStringKey
{
    /// <summary>The table as JSON (<c>dsx-measurement-table/1</c>); null before <see cref="CreateAsync"/>.</summary>
    [Alias("Get")]
    Task<string?> GetTableAsync();

    /// <summary>Creates the empty table of this space and board (JSON) unless one exists; returns the table.</summary>
    [Alias("Create")]
    Task<string> CreateAsync(string emptyTable);

    /// <param name="requestKey">Unique per measurement request (<c>explorationId/measurementKey</c>).</param>
    /// <param name="reply">The serialised wire <c>MeasureReply</c>.</param>
    /// <returns>True when recorded now; false when this request key was recorded before.</returns>
    [Alias("Record")]
    Task<bool> RecordAsync(string requestKey, int[] plan, byte[] reply, double? predictedMs);

    /// <summary>How many measurements the table holds and which request keys they came from.</summary>
    [Alias("Keys")]
    Task<IReadOnlyList<string>> GetRecordedKeysAsync();
}
