namespace Dsx.Grains;

/// <summary>A model's serialised graph by content hash, written once.</summary>
public sealed class ModelGrain([PersistentState("model", StorageNames.Default)] IPersistentState<ModelGrainState> state) : Grain, IModelGrain
{
    public async Task PutAsync(string name, byte[] graph)
    {
        ArgumentNullException.ThrowIfNull(graph);
        if (state.State.Graph is not null)
        {
            return;
        }

        state.State.Name = name;
        state.State.Graph = graph;
        await state.WriteOrForgetAsync(DeactivateOnIdle);
    }

    public Task<byte[]?> GetAsync() => Task.FromResult(state.State.Graph);
}
