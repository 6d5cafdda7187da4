using Dsx.BoardHost;
using Dsx.Model;
using Dsx.Search;
using Dsx.Wire;

namespace Dsx.Cli;

/// <summary>The local executor with one model loaded, and the search space it offers for that model.</summary>
internal sealed class LocalBoard : IAsyncDisposable
{
    public const string Name = "local";

    private LocalBoard(BoardSession session, string modelHash, SearchSpace space, BoardDescription description)
    {
        Session = session;
        ModelHash = modelHash;
        Space = space;
        Description = description;
    }

    public BoardSession Session { get; }

    public string ModelHash { get; }

    public SearchSpace Space { get; }

    public BoardDescription Description { get; }

    public static async Task<LocalBoard> OpenAsync(string board, string modelName, Graph graph, CancellationToken cancellationToken)
    {
        if (board != Name)
        {
            throw new UsageException(
                $"unknown board '{board}': only '{Name}' (the local executor) exists without a cluster; farms of boards come with 'dsx silo'.");
        }

        var launch = ExecutorLaunch.Local(ExecutorLocator.Locate());
        await Console.Error.WriteLineAsync($"starting {launch} ...");
        var session = await BoardSession.StartAsync(launch, cancellationToken: cancellationToken);
        try
        {
            await Console.Error.WriteLineAsync($"loading {graph.Name} ({graph.Nodes.Count} nodes) ...");
            var loaded = await session.LoadModelAsync(graph, cancellationToken);
            var reply = await session.DescribeSpaceAsync(loaded.Hash, cancellationToken);
            var hello = session.Capabilities;
            var space = SearchSpace.From(modelName, graph, DesignSpace.From(reply, hello));
            var description = new BoardDescription(Name, hello.Isa, hello.Emulated, hello.ExecutorVersion, hello.Cores);
            return new LocalBoard(session, loaded.Hash, space, description);
        }
        catch
        {
            await session.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// The table at <paramref name="path"/>, or a new one when there is none. A table is refused unless it was measured on
    /// this board kind with this executor (its timings would be stale) over the same network and design space.
    /// </summary>
    public MeasurementTable OpenTable(string path)
    {
        if (!File.Exists(path))
        {
            return new MeasurementTable(Space, Description);
        }

        var table = MeasurementTable.Load(path);
        var sameSpace = table.Space.Layers.Count == Space.Layers.Count
            && table.Space.Layers.Zip(Space.Layers).All(p => p.First.Name == p.Second.Name && p.First.Choices.SequenceEqual(p.Second.Choices));
        if (!sameSpace)
        {
            throw new UsageException(
                $"{path} holds a table of another network or design space ('{table.Space.Model}'); give the table of this model on this board, or a new path.");
        }

        if (table.Board != Description)
        {
            throw new UsageException(
                $"{path} was measured on {Describe(table.Board)}, this board is {Describe(Description)}: its timings are stale here; give a new path.");
        }

        return table;
    }

    private static string Describe(BoardDescription board) =>
        $"'{board.Kind}' ({board.Isa}, {board.Cores} cores{(board.Emulated ? ", emulated" : "")}, executor {board.ExecutorVersion})";

    public async ValueTask DisposeAsync()
    {
        try
        {
            await Session.ShutdownAsync();
        }
        catch (Exception e) when (e is ExecutorFailureException or IOException or ObjectDisposedException)
        {
            // Shutting down a dead executor has nothing left to do.
        }

        await Session.DisposeAsync();
    }
}
