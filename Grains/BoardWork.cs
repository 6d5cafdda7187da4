namespace Dsx.Grains;

/// <summary>
/// Runs one piece of work on a leased board of a kind: a board that fails (throws: its executor will not start, the
/// connection is gone) is released as failed and the work goes to another board, up to <see cref="MaxBoardAttempts"/>
/// times; the farm quarantines a board that keeps failing.
/// </summary>
internal static class BoardWork
{
    public const int MaxBoardAttempts = 5;

    /// <param name="holder">Names this piece of work the same way if it is asked again (see <see cref="IBoardFarmGrain.LeaseAsync"/>).</param>
    public static async Task<T> RunAsync<T>(IGrainFactory grains, string kind, string explorationId, string holder, Func<IBoardGrain, Task<T>> work)
    {
        var farm = grains.GetGrain<IBoardFarmGrain>(0);
        var failures = new List<string>();
        while (failures.Count < MaxBoardAttempts)
        {
            var lease = await farm.LeaseAsync(kind, explorationId, holder);
            T result;
            try
            {
                result = await work(grains.GetGrain<IBoardGrain>(lease.BoardId));
            }
            catch (Exception e) when (StorageFaults.Reason(e) is not null)
            {
                // Storage is out (the board could not load its model), not the board: it goes back unblamed, and the
                // exploration waits for the storage.
                await farm.ReleaseAsync(lease, boardFailed: false, null);
                throw;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                var failure = $"board '{lease.BoardId}': {e.Message.Split('\n')[0]}";
                failures.Add(failure);
                await farm.ReleaseAsync(lease, boardFailed: true, failure);
                continue;
            }

            await farm.ReleaseAsync(lease, boardFailed: false, null);
            return result;
        }

        throw new InvalidOperationException(
            $"{holder}: {MaxBoardAttempts} boards of kind '{kind}' failed in a row: {string.Join("; ", failures)}");
    }
}
