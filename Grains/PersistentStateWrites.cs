namespace Dsx.Grains;

/// <summary>Writing grain state so that a failed write (storage out) leaves no activation whose memory ran ahead of storage.</summary>
internal static class PersistentStateWrites
{
    /// <summary>
    /// Writes the state; if that fails, <paramref name="deactivate"/> (the grain's <c>DeactivateOnIdle</c>) drops the
    /// activation once this call ends, so the next call reads what storage really holds. Otherwise a measurement store
    /// would remember a key it never saved and refuse to record it again once storage is back.
    /// </summary>
    public static async Task WriteOrForgetAsync<T>(this IPersistentState<T> state, Action deactivate)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(deactivate);
        try
        {
            await state.WriteStateAsync();
        }
        catch
        {
            deactivate();
            throw;
        }
    }
}
