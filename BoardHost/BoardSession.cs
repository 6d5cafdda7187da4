using Dsx.Wire;

namespace Dsx.BoardHost;

/// <summary>
/// One board's executor for as long as the session lives, surviving its crashes and hangs: a measurement
/// that kills or hangs the executor comes back as a typed <see cref="MeasurementFailure"/>, the session
/// starts a fresh executor (handshake again), reloads every model it had loaded (it keeps their graphs,
/// by hash), and the next request runs on the new process. One request at a time. For a TCP launch
/// (<see cref="ExecutorLaunch.Tcp"/>) a "restart" is a reconnect (handshake with the token, reload) to the
/// same listening executor; the session never starts or kills it.
/// </summary>
public sealed class BoardSession : IAsyncDisposable
{
    private readonly ExecutorOptions _options;
    private readonly SemaphoreSlim _oneRequestAtATime = new(1, 1);
    // By hash, in load order, so that a restart reloads them in the same order.
    private readonly List<(string Hash, Graph Graph)> _models = [];
    private ExecutorProcess? _executor;
    private bool _disposed;

    private BoardSession(ExecutorLaunch launch, ExecutorOptions options)
    {
        Launch = launch;
        _options = options;
    }

    public ExecutorLaunch Launch { get; }

    /// <summary>The capabilities of the current executor process.</summary>
    public HelloReply Capabilities => Current.Capabilities!;

    /// <summary>The current executor process's id (changes on every restart); null over TCP.</summary>
    public int? ProcessId => Current.ProcessId;

    /// <summary>How many times the executor was started again (reconnected to, over TCP) after a crash, hang or cancellation.</summary>
    public int Restarts { get; private set; }

    /// <summary>The hashes of the models this session keeps loaded, in load order.</summary>
    public IReadOnlyList<string> ModelHashes => [.. _models.Select(m => m.Hash)];

    private ExecutorProcess Current => _executor ?? throw new ObjectDisposedException(nameof(BoardSession));

    /// <summary>Starts the executor and does the handshake.</summary>
    public static async Task<BoardSession> StartAsync(ExecutorLaunch launch, ExecutorOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(launch);
        var session = new BoardSession(launch, options ?? ExecutorOptions.Default);
        session._executor = await ExecutorProcess.StartAsync(launch, session._options, cancellationToken);
        return session;
    }

    /// <summary>
    /// Loads a model and keeps its graph for restarts. An executor that dies while loading is restarted
    /// (without this model) and the <see cref="ExecutorFailureException"/> is rethrown.
    /// </summary>
    public Task<LoadModelReply> LoadModelAsync(Graph graph, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(graph);
        return WithRestartAsync(async executor =>
        {
            var reply = await executor.LoadModelAsync(graph, cancellationToken);
            if (!_models.Any(m => m.Hash == reply.Hash))
            {
                _models.Add((reply.Hash, graph));
            }

            return reply;
        }, cancellationToken);
    }

    /// <summary>The design space of a loaded model; failures are thrown (after a restart when the executor died).</summary>
    public Task<DesignSpaceReply> DescribeSpaceAsync(string modelHash, CancellationToken cancellationToken = default) =>
        WithRestartAsync(executor => executor.DescribeSpaceAsync(modelHash, cancellationToken), cancellationToken);

    public Task PingAsync(CancellationToken cancellationToken = default) =>
        WithRestartAsync(async executor =>
        {
            await executor.PingAsync(cancellationToken);
            return true;
        }, cancellationToken);

    /// <summary>
    /// Measures a plan. A crash, hang or typed error is a <see cref="MeasurementOutcome.Failure"/>, not an
    /// exception; after a crash or hang the executor has already been restarted when this returns.
    /// Throws only when the executor cannot be (re)started, or on cancellation (the next request restarts it).
    /// </summary>
    public async Task<MeasurementOutcome> MeasureAsync(string modelHash, Plan plan, MeasureOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(modelHash);
        ArgumentNullException.ThrowIfNull(plan);
        await _oneRequestAtATime.WaitAsync(cancellationToken);
        try
        {
            var executor = await EnsureRunningAsync(cancellationToken);
            try
            {
                return MeasurementOutcome.Success(await executor.MeasureAsync(modelHash, plan, options, cancellationToken));
            }
            catch (ExecutorErrorException e)
            {
                return MeasurementOutcome.Failed(MeasurementFailure.FromExecutorError(e, $"Measure of {ShortHash(modelHash)}"));
            }
            catch (ExecutorFailureException e)
            {
                var failure = MeasurementFailure.FromExecutorFailure(e.Failure);
                await RestartAsync(cancellationToken);
                return MeasurementOutcome.Failed(failure with { Restarted = true });
            }
        }
        finally
        {
            _oneRequestAtATime.Release();
        }
    }

    public async Task ShutdownAsync(CancellationToken cancellationToken = default)
    {
        await _oneRequestAtATime.WaitAsync(cancellationToken);
        try
        {
            if (_executor is { Failure: null, HasExited: false } executor)
            {
                await executor.ShutdownAsync(cancellationToken);
            }
        }
        finally
        {
            _oneRequestAtATime.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (_executor is not null)
        {
            await _executor.DisposeAsync();
            _executor = null;
        }

        _oneRequestAtATime.Dispose();
    }

    private async Task<T> WithRestartAsync<T>(Func<ExecutorProcess, Task<T>> request, CancellationToken cancellationToken)
    {
        await _oneRequestAtATime.WaitAsync(cancellationToken);
        try
        {
            var executor = await EnsureRunningAsync(cancellationToken);
            try
            {
                return await request(executor);
            }
            catch (ExecutorFailureException)
            {
                await RestartAsync(cancellationToken);
                throw;
            }
        }
        finally
        {
            _oneRequestAtATime.Release();
        }
    }

    private async Task<ExecutorProcess> EnsureRunningAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_executor is null || _executor.Failure is not null || _executor.HasExited)
        {
            await RestartAsync(cancellationToken);
        }

        return Current;
    }

    /// <summary>Kills what is left of the current executor, starts a new one and reloads the models.</summary>
    private async Task RestartAsync(CancellationToken cancellationToken)
    {
        if (_executor is not null)
        {
            await _executor.DisposeAsync();
            _executor = null;
        }

        var executor = await ExecutorProcess.StartAsync(Launch, _options, cancellationToken);
        try
        {
            foreach (var (_, graph) in _models)
            {
                await executor.LoadModelAsync(graph, cancellationToken);
            }
        }
        catch
        {
            await executor.DisposeAsync();
            throw;
        }

        _executor = executor;
        Restarts++;
    }

    private static string ShortHash(string hash) => hash.Length > 12 ? hash[..12] : hash;
}
