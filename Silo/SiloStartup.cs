using System.Globalization;
using Dsx.Grains;

namespace Dsx.Silo;

/// <summary>
/// What a silo does once it is up: registers its local boards, each pinned to its own core, and wakes the explorations
/// that were running when the silo stopped, so they resume from their last checkpoint.
/// </summary>
public static class SiloStartup
{
    public static async Task RunAsync(IGrainFactory grains, DsxSiloOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(grains);
        ArgumentNullException.ThrowIfNull(options);
        if (options.ExecutorPath is { } executor)
        {
            var farm = grains.GetGrain<IBoardFarmGrain>(0);
            foreach (var board in LocalBoards(options.LocalBoards, options.LocalBoardKind, executor, Environment.ProcessorCount))
            {
                await farm.AddAsync(board);
            }
        }

        foreach (var id in await grains.GetGrain<IExplorationRegistryGrain>(0).ListAsync())
        {
            cancellationToken.ThrowIfCancellationRequested();
            await grains.GetGrain<IExplorationGrain>(id).WakeAsync();
        }
    }

    /// <summary>Local boards on one host get disjoint cores (round-robin when there are more boards than cores).</summary>
    public static IReadOnlyList<BoardRegistration> LocalBoards(int count, string kind, string executor, int cores) =>
        [.. Enumerable.Range(0, count).Select(i => new BoardRegistration(
            string.Create(CultureInfo.InvariantCulture, $"{kind}-{i}"), kind, "local", executor, null, null, null, null, null,
            (i % Math.Max(1, cores)).ToString(CultureInfo.InvariantCulture), null))];
}
