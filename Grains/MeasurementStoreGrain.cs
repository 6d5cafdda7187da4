using Dsx.Search;

namespace Dsx.Grains;

/// <summary>
/// The shared measurement table of one model on one board kind. Recording is keyed by request, so an episode that
/// records again after a crash (its outcome was kept, the store write may not have been) counts once. A measurement is
/// appended to a journal (a write of the few entries since the last snapshot); the whole table is written only every
/// <see cref="MeasurementStoreContents.SnapshotEvery"/> entries, since every measurement of every exploration of the
/// model passes through this one grain and rewriting the whole, growing table each time made it the farm's bottleneck.
/// </summary>
public sealed class MeasurementStoreGrain(
    [PersistentState("table", StorageNames.Default)] IPersistentState<MeasurementStoreState> state,
    [PersistentState("journal", StorageNames.Default)] IPersistentState<MeasurementJournalState> journal)
    : Grain, IMeasurementStoreGrain
{
    private MeasurementStoreContents? _contents;

    public Task<string?> GetTableAsync() => Task.FromResult(state.State.Table is null ? null : Contents().Table.ToJson());

    public async Task<string> CreateAsync(string emptyTable)
    {
        if (state.State.Table is null)
        {
            state.State.Table = MeasurementTable.Parse(emptyTable, $"the new table of {this.GetPrimaryKeyString()}").ToJson();
            await state.WriteOrForgetAsync(DeactivateOnIdle);
            return state.State.Table;
        }

        return Contents().Table.ToJson();
    }

    public async Task<bool> RecordAsync(string requestKey, int[] plan, byte[] reply, double? predictedMs) =>
        !Contents().Holds(requestKey)
        && await AppendAsync(new MeasurementJournalEntry(requestKey, plan, reply, predictedMs, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), null, null));

    public Task<bool> RecordFailureAsync(int[] plan, string layer, string detail) =>
        AppendAsync(new MeasurementJournalEntry(null, plan, null, null, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), layer, detail));

    public Task<IReadOnlyList<string>> GetRecordedKeysAsync() =>
        Task.FromResult<IReadOnlyList<string>>(state.State.Table is null ? [] : [.. Contents().Keys]);

    /// <summary>Applies the entry; if it changed the table, journals it, and every so often writes a snapshot and empties the journal.</summary>
    private async Task<bool> AppendAsync(MeasurementJournalEntry entry)
    {
        if (!Contents().Apply(entry))
        {
            return false;
        }

        journal.State.Entries.Add(entry);
        await journal.WriteOrForgetAsync(DeactivateOnIdle);
        if (journal.State.Entries.Count >= MeasurementStoreContents.SnapshotEvery)
        {
            // Snapshot first: a stop between the two writes leaves entries in both, which the fold skips by key.
            state.State.Table = Contents().Table.ToJson();
            state.State.Keys = [.. Contents().Keys];
            await state.WriteOrForgetAsync(DeactivateOnIdle);
            journal.State.Entries.Clear();
            await journal.WriteOrForgetAsync(DeactivateOnIdle);
        }

        return true;
    }

    private MeasurementStoreContents Contents() => _contents ??= MeasurementStoreContents.Fold(
        state.State.Table ?? throw new InvalidOperationException($"the store {this.GetPrimaryKeyString()} has no table yet"),
        state.State.Keys,
        journal.State.Entries,
        $"the measurement store {this.GetPrimaryKeyString()}");
}
