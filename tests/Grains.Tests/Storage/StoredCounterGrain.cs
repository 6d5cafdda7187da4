using Orleans;
using Orleans.Runtime;

namespace Dsx.Grains.Tests.Storage;

/// <summary>Persists through both registrations: <c>AddSqliteGrainStorage("sqlite", …)</c> and the default store.</summary>
public sealed class StoredCounterGrain(
    [PersistentState("named", SqliteClusterTests.StoreName)] IPersistentState<CounterState> named,
    [PersistentState("fallback")] IPersistentState<CounterState> fallback) : Grain, IStoredCounterGrain
{
    public async Task SetAsync(int value, string note)
    {
        named.State = new CounterState { Value = value, Note = note };
        fallback.State = new CounterState { Value = -value, Note = note };
        await named.WriteStateAsync();
        await fallback.WriteStateAsync();
    }

    public Task<CounterState[]> GetAsync() => Task.FromResult(new[] { named.State, fallback.State });

    public async Task ClearAsync()
    {
        await named.ClearStateAsync();
        await fallback.ClearStateAsync();
    }
}
