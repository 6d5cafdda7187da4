using System.Globalization;
using Dsx.Grains;

namespace Dsx.Silo;

/// <summary>
/// What a silo does once it is up: registers the boards of its boards file, its local boards (each pinned to its own
/// core) and its replay boards, and wakes the explorations
/// that were running when the silo stopped, so they resume from their last checkpoint.
/// </summary>
public static class SiloStartup
{
    public static async Task RunAsync(IGrainFactory grains, DsxSiloOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(grains);
        ArgumentNullException.ThrowIfNull(options);
        foreach (var board in options.Boards)
        {
            await grains.GetGrain<IBoardFarmGrain>(0).AddAsync(board);
        }

        if (options.ExecutorPath is { } executor)
        {
            var farm = grains.GetGrain<IBoardFarmGrain>(0);
            // Hosts of one cluster share the farm: their local boards need ids of their own, or each would replace the other's.
            var host = options.Cluster is { } cluster ? string.Create(CultureInfo.InvariantCulture, $"{cluster.Address}:{options.SiloPort}") : null;
            foreach (var board in LocalBoards(options.LocalBoards, options.LocalBoardKind, executor, Environment.ProcessorCount, host))
            {
                await farm.AddAsync(board);
            }
        }

        if (options is { ReplayBoards: > 0, ReplayKind: { } kind, ReplayHost: { } replay })
        {
            var farm = grains.GetGrain<IBoardFarmGrain>(0);
            for (var i = 0; i < options.ReplayBoards; i++)
            {
                await farm.AddAsync(new BoardRegistration(
                    string.Create(CultureInfo.InvariantCulture, $"replay-{i}"), kind, "tcp", null, replay.Host, replay.Port, null, replay.Token, null, null, null));
            }
        }

        foreach (var id in await grains.GetGrain<IExplorationRegistryGrain>(0).ListAsync())
        {
            cancellationToken.ThrowIfCancellationRequested();
            await grains.GetGrain<IExplorationGrain>(id).WakeAsync();
        }
    }

    /// <summary>
    /// Local boards on one host get disjoint cores (round-robin when there are more boards than cores). Ids are
    /// <c>KIND-N</c>, or <c>KIND-N@HOST</c> when <paramref name="host"/> names this silo among several.
    /// </summary>
    public static IReadOnlyList<BoardRegistration> LocalBoards(int count, string kind, string executor, int cores, string? host = null) =>
        [.. Enumerable.Range(0, count).Select(i => new BoardRegistration(
            string.Create(CultureInfo.InvariantCulture, $"{kind}-{i}{(host is null ? "" : "@" + host)}"), kind, "local", executor, null, null, null, null, null,
            (i % Math.Max(1, cores)).ToString(CultureInfo.InvariantCulture), null))];
}
