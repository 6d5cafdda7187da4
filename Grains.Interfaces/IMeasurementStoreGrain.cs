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

    /// <summary>
    /// Marks the choice <paramref name="plan"/> made for <paramref name="layer"/> as failing on this board kind (the
    /// executor crashed in that layer or refused it): no exploration of the kind proposes it again.
    /// </summary>
    /// <returns>True when marked now; false when it was already, or the table has no such layer.</returns>
    [Alias("RecordFailure")]
    Task<bool> RecordFailureAsync(int[] plan, string layer, string detail);

    /// <summary>How many measurements the table holds and which request keys they came from.</summary>
    [Alias("Keys")]
    Task<IReadOnlyList<string>> GetRecordedKeysAsync();
}
