using Orleans;

namespace Dsx.Grains.Tests.Storage;

/// <summary>A test grain whose state lives in the SQLite storage, once under a named store and once under the default.</summary>
public interface IStoredCounterGrain : IGrainWithStringKey
{
    Task SetAsync(int value, string note);

    /// <summary>The named store's state and the default store's state.</summary>
    Task<CounterState[]> GetAsync();

    Task ClearAsync();
}
