namespace Dsx.Grains;

/// <summary>Every exploration ever started, in order.</summary>
public sealed class ExplorationRegistryGrain([PersistentState("registry", StorageNames.Default)] IPersistentState<List<string>> state)
    : Grain, IExplorationRegistryGrain
{
    public async Task RegisterAsync(string explorationId)
    {
        if (!state.State.Contains(explorationId))
        {
            state.State.Add(explorationId);
            await state.WriteOrForgetAsync(DeactivateOnIdle);
        }
    }

    public Task<IReadOnlyList<string>> ListAsync() => Task.FromResult<IReadOnlyList<string>>([.. state.State]);
}
