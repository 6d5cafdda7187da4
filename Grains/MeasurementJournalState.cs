namespace Dsx.Grains;

/// <summary>
/// What a measurement store recorded since its last snapshot (<see cref="MeasurementStoreState"/>), oldest first: written
/// per measurement instead of the whole table, and folded into the snapshot every
/// <see cref="MeasurementStoreContents.SnapshotEvery"/> entries.
/// </summary>
[GenerateSerializer]
public sealed class MeasurementJournalState
{
    [Id(0)]
    public List<MeasurementJournalEntry> Entries { get; set; } = [];
}
