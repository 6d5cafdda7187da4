using Dsx.Search;
using Dsx.Wire;

namespace Dsx.Grains;

/// <summary>
/// The shared measurement table of one model on one board kind. Recording is keyed by request, so an episode that
/// records again after a crash (its outcome was kept, the store write may not have been) counts once.
/// </summary>
public sealed class MeasurementStoreGrain([PersistentState("table", StorageNames.Default)] IPersistentState<MeasurementStoreState> state)
    : Grain, IMeasurementStoreGrain
{
    private MeasurementTable? _table;

    public Task<string?> GetTableAsync() => Task.FromResult(state.State.Table);

    public async Task<string> CreateAsync(string emptyTable)
    {
        if (state.State.Table is null)
        {
            state.State.Table = MeasurementTable.Parse(emptyTable, $"the new table of {this.GetPrimaryKeyString()}").ToJson();
            await state.WriteOrForgetAsync(DeactivateOnIdle);
        }

        return state.State.Table;
    }

    public async Task<bool> RecordAsync(string requestKey, int[] plan, byte[] reply, double? predictedMs)
    {
        if (state.State.Keys.Contains(requestKey))
        {
            return false;
        }

        var table = Table();
        table.Record(new CandidatePlan(plan), MeasureReply.Parser.ParseFrom(reply), predictedMs, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        state.State.Table = table.ToJson();
        state.State.Keys.Add(requestKey);
        await state.WriteOrForgetAsync(DeactivateOnIdle);
        return true;
    }

    public async Task<bool> RecordFailureAsync(int[] plan, string layer, string detail)
    {
        var table = Table();
        if (table.Space.Layers.FirstOrDefault(l => l.Name == layer) is not { } named || !table.MarkFailing(named.Index, plan[named.Index], detail))
        {
            return false;
        }

        state.State.Table = table.ToJson();
        await state.WriteOrForgetAsync(DeactivateOnIdle);
        return true;
    }

    public Task<IReadOnlyList<string>> GetRecordedKeysAsync() => Task.FromResult<IReadOnlyList<string>>([.. state.State.Keys]);

    private MeasurementTable Table() => _table ??= MeasurementTable.Parse(
        state.State.Table ?? throw new InvalidOperationException($"the store {this.GetPrimaryKeyString()} has no table yet"));
}
