using System.ComponentModel;
using System.Diagnostics;
using System.Net.Sockets;
using Dsx.Wire;
using Google.Protobuf;

namespace Dsx.BoardHost;

/// <summary>
/// One executor, spoken to with framed Request/Response messages, one request at a time, over a duplex
/// stream pair: either the stdin/stdout of a process this class started (<see cref="ExecutorLaunch.Local"/>,
/// <see cref="ExecutorLaunch.Qemu"/>) or a TCP connection to an executor started with <c>--listen</c>
/// (<see cref="ExecutorLaunch.Tcp"/>). A typed Error reply surfaces as <see cref="ExecutorErrorException"/>
/// and leaves the executor usable; anything that leaves the reply stream in an unknown state (timeout,
/// cancellation, crash, lost connection, garbage) kills the process or closes the connection and surfaces as
/// <see cref="ExecutorFailureException"/> (or <see cref="OperationCanceledException"/> for a caller's cancellation).
/// </summary>
public sealed class ExecutorProcess : IAsyncDisposable
{
    public const uint ClientProtocolVersion = (uint)ProtocolVersion.Current;

    // Unix reports "killed by signal N" as exit code 128 + N.
    private const int SignalExitBase = 128;

    // Exactly one of the two transports is set.
    private readonly Process? _process;
    private readonly TcpClient? _connection;
    private readonly NetworkStream? _connectionStream;
    private readonly ExecutorOptions _options;
    private readonly FrameCodec _codec;
    private readonly StderrTail _stderr;
    private readonly SemaphoreSlim _oneRequestAtATime = new(1, 1);
    private readonly HashSet<string> _loadedModelHashes = new(StringComparer.Ordinal);
    private ulong _lastRequestId;
    private bool _shutDown;
    private volatile bool _connectionClosed;

    private ExecutorProcess(Process? process, TcpClient? connection, ExecutorLaunch launch, ExecutorOptions options)
    {
        _process = process;
        _connection = connection;
        _connectionStream = connection?.GetStream();
        _options = options;
        _codec = new FrameCodec(options.MaxFrameBytes);
        _stderr = new StderrTail(options.StderrTailLines);
        Launch = launch;
    }

    public ExecutorLaunch Launch { get; }

    /// <summary>The executor's capabilities, once <see cref="HelloAsync"/> succeeded.</summary>
    public HelloReply? Capabilities { get; private set; }

    /// <summary>Why the process is no longer usable, or null while it is.</summary>
    public ExecutorFailure? Failure { get; private set; }

    /// <summary>The id of the executor process this class started; null for a TCP connection.</summary>
    public int? ProcessId => _process?.Id;

    /// <summary>True when the process exited or, over TCP, the connection was closed.</summary>
    public bool HasExited
    {
        get
        {
            if (_process is null)
            {
                return _connectionClosed || _connection?.Connected != true;
            }

            try
            {
                return _process.HasExited;
            }
            catch (InvalidOperationException)
            {
                // Never started or already disposed: either way, not running.
                return true;
            }
        }
    }

    private Stream RequestStream => _connectionStream ?? _process!.StandardInput.BaseStream;

    private Stream ReplyStream => _connectionStream ?? _process!.StandardOutput.BaseStream;

    /// <summary>Starts the process without talking to it; the first request must be <see cref="HelloAsync"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="launch"/> is a TCP endpoint: use <see cref="ConnectAsync"/> or <see cref="StartAsync"/>.</exception>
    public static ExecutorProcess Start(ExecutorLaunch launch, ExecutorOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(launch);
        if (launch.Remote is not null)
        {
            throw new ArgumentException($"`{launch}` is a TCP endpoint, not a command line; connect with ConnectAsync or StartAsync.", nameof(launch));
        }

        options ??= ExecutorOptions.Default;
        var startInfo = new ProcessStartInfo(launch.Program)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in launch.Arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in launch.Environment ?? new Dictionary<string, string?>())
        {
            if (value is null)
            {
                startInfo.Environment.Remove(name);
            }
            else
            {
                startInfo.Environment[name] = value;
            }
        }

        var process = new Process { StartInfo = startInfo };
        var executor = new ExecutorProcess(process, connection: null, launch, options);
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                executor._stderr.Add(e.Data);
            }
        };
        try
        {
            process.Start();
        }
        catch (Win32Exception e)
        {
            process.Dispose();
            throw new ExecutorFailureException(new ExecutorFailure(ExecutorFailureKind.StartFailed, $"start of `{launch}`", e.Message), e);
        }

        process.BeginErrorReadLine();
        return executor;
    }

    /// <summary>
    /// Opens a TCP connection to an executor listening with <c>--listen</c>, without talking to it; the first
    /// request must be <see cref="HelloAsync"/> with the endpoint's token. A refused or unreachable endpoint is
    /// an <see cref="ExecutorFailureException"/> of kind <see cref="ExecutorFailureKind.StartFailed"/>.
    /// </summary>
    public static async Task<ExecutorProcess> ConnectAsync(ExecutorLaunch launch, ExecutorOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(launch);
        var remote = launch.Remote ?? throw new ArgumentException($"`{launch}` is a command line, not a TCP endpoint; start it with Start or StartAsync.", nameof(launch));
        options ??= ExecutorOptions.Default;
        var connection = new TcpClient { NoDelay = true };
        using var timeout = new CancellationTokenSource(options.HandshakeTimeout);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            await connection.ConnectAsync(remote.Host, remote.Port, linked.Token);
        }
        catch (Exception e) when (e is SocketException || (e is OperationCanceledException && timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested))
        {
            connection.Dispose();
            var detail = e is SocketException ? e.Message : $"no connection within {options.HandshakeTimeout.TotalSeconds:0.#} s";
            throw new ExecutorFailureException(new ExecutorFailure(ExecutorFailureKind.StartFailed, $"connect to {launch}", detail), e);
        }
        catch
        {
            connection.Dispose();
            throw;
        }

        return new ExecutorProcess(process: null, connection, launch, options);
    }

    /// <summary>
    /// Starts the process (or connects to the TCP endpoint) and does the handshake, with the endpoint's token
    /// over TCP; the executor is disposed if either fails.
    /// </summary>
    /// <exception cref="ExecutorUnauthorizedException">The TCP executor refused the token.</exception>
    public static async Task<ExecutorProcess> StartAsync(ExecutorLaunch launch, ExecutorOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(launch);
        var executor = launch.Remote is null ? Start(launch, options) : await ConnectAsync(launch, options, cancellationToken);
        try
        {
            await executor.HelloAsync(launch.Remote?.Token ?? "", cancellationToken);
            return executor;
        }
        catch
        {
            await executor.DisposeAsync();
            throw;
        }
    }

    /// <summary>The handshake: sends our protocol version and checks the executor's.</summary>
    /// <exception cref="ProtocolVersionMismatchException">The executor speaks another version.</exception>
    /// <exception cref="ExecutorUnauthorizedException">The executor refused <paramref name="token"/> (it closes the connection).</exception>
    public async Task<HelloReply> HelloAsync(string token = "", CancellationToken cancellationToken = default)
    {
        var request = new Request { Hello = new Hello { ProtocolVersion = ClientProtocolVersion, Token = token } };
        HelloReply reply;
        try
        {
            reply = (await RoundTripAsync(request, Response.BodyOneofCase.Hello, "Hello", _options.HandshakeTimeout, cancellationToken)).Hello;
        }
        catch (ExecutorErrorException e) when (e.Code == ErrorCode.VersionMismatch)
        {
            throw new ProtocolVersionMismatchException(ClientProtocolVersion, 0, e.Detail);
        }
        catch (ExecutorErrorException e) when (e.Code == ErrorCode.Unauthorized)
        {
            // The executor hangs up after refusing a token: nothing more can be sent on this connection.
            Failure = new ExecutorFailure(ExecutorFailureKind.NotRunning, "Hello", $"the executor refused the token: {e.Detail}");
            KillQuietly();
            throw new ExecutorUnauthorizedException(Launch.ToString(), e.Detail, e);
        }

        if (reply.ProtocolVersion != ClientProtocolVersion)
        {
            throw new ProtocolVersionMismatchException(ClientProtocolVersion, reply.ProtocolVersion);
        }

        Capabilities = reply;
        return reply;
    }

    /// <summary>
    /// Loads a model under its content hash (<see cref="ModelHash.Of"/>). The graph travels only the first
    /// time this process sees the hash; the reply's Hash is what <see cref="MeasureAsync"/> takes.
    /// </summary>
    public async Task<LoadModelReply> LoadModelAsync(Graph graph, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(graph);
        if (_options.SharedModels is { } shared && Launch.Remote is { } remote)
        {
            return await LoadSharedModelAsync(graph, shared, remote.ToString(), cancellationToken);
        }

        var hash = ModelHash.Of(graph);
        var load = new LoadModel { Hash = hash };
        if (!_loadedModelHashes.Contains(hash))
        {
            load.Graph = graph;
        }

        var reply = await SendLoadAsync(load, graph.Name, cancellationToken);
        _loadedModelHashes.Add(hash);
        return reply;
    }

    /// <summary>By hash first; the graph only if the executor answers that it does not hold the model (see <see cref="SharedModelLoads"/>).</summary>
    private async Task<LoadModelReply> LoadSharedModelAsync(Graph graph, SharedModelLoads shared, string address, CancellationToken cancellationToken)
    {
        var hash = shared.HashOf(graph);
        var reply = await shared.OneAtATimeAsync(address, hash, async () =>
        {
            try
            {
                return await SendLoadAsync(new LoadModel { Hash = hash }, graph.Name, cancellationToken);
            }
            catch (ExecutorErrorException e) when (e.Code == ErrorCode.ModelNotLoaded)
            {
                shared.CountGraphSent();
                return await SendLoadAsync(new LoadModel { Hash = hash, Graph = graph }, graph.Name, cancellationToken);
            }
        }, cancellationToken);
        _loadedModelHashes.Add(hash);
        return reply;
    }

    private async Task<LoadModelReply> SendLoadAsync(LoadModel load, string modelName, CancellationToken cancellationToken) =>
        (await RoundTripAsync(new Request { LoadModel = load }, Response.BodyOneofCase.Loaded, $"LoadModel of '{modelName}' ({ShortHash(load.Hash)})", timeout: null, cancellationToken)).Loaded;

    public async Task<MeasureReply> MeasureAsync(string modelHash, Plan plan, MeasureOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(modelHash);
        ArgumentNullException.ThrowIfNull(plan);
        options ??= new MeasureOptions();
        var measure = new Measure
        {
            ModelHash = modelHash,
            Plan = plan,
            Warmup = options.Warmup,
            Repeats = options.Repeats,
            Seed = options.Seed,
            ReturnOutputs = options.ReturnOutputs,
        };
        if (options.Inputs is not null)
        {
            measure.Inputs.Add(options.Inputs);
        }

        var operation = $"Measure of {ShortHash(modelHash)} ({plan.Layers.Count} planned layers, {options.Warmup} warm-up, {options.Repeats} repeats)";
        return (await RoundTripAsync(new Request { Measure = measure }, Response.BodyOneofCase.Measured, operation, options.Timeout, cancellationToken)).Measured;
    }

    /// <summary>Which choices (primitive x layout x precision) each layer of a loaded model admits on this executor.</summary>
    public async Task<DesignSpaceReply> DescribeSpaceAsync(string modelHash, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(modelHash);
        var request = new Request { DescribeSpace = new DescribeSpace { ModelHash = modelHash } };
        return (await RoundTripAsync(request, Response.BodyOneofCase.Space, $"DescribeSpace of {ShortHash(modelHash)}", timeout: null, cancellationToken)).Space;
    }

    public Task PingAsync(CancellationToken cancellationToken = default) =>
        RoundTripAsync(new Request { Ping = new Ping() }, Response.BodyOneofCase.Pong, "Ping", timeout: null, cancellationToken);

    /// <summary>
    /// Asks the executor to exit, waits for it, and kills it if it lingers. Over TCP this stops the listening
    /// executor itself (it then serves nobody); to merely hang up, dispose instead.
    /// </summary>
    public async Task ShutdownAsync(CancellationToken cancellationToken = default)
    {
        await RoundTripAsync(new Request { Shutdown = new Shutdown() }, Response.BodyOneofCase.Bye, "Shutdown", _options.ShutdownGrace, cancellationToken);
        _shutDown = true;
        if (_process is null)
        {
            KillQuietly();
            return;
        }

        _process.StandardInput.Close();
        if (!await WaitForExitAsync(_options.ShutdownGrace))
        {
            KillQuietly();
        }
    }

    /// <summary>Shuts a started process down (killing it if need be); over TCP, just closes the connection and leaves the executor listening.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_process is not null && Failure is null && !_shutDown && !HasExited)
        {
            try
            {
                await ShutdownAsync();
            }
            catch (Exception e) when (e is ExecutorFailureException or ExecutorErrorException or IOException)
            {
                // Already reported through Failure; disposal must not throw.
            }
        }

        KillQuietly();
        _process?.Dispose();
        _oneRequestAtATime.Dispose();
    }

    private async Task<Response> RoundTripAsync(Request request, Response.BodyOneofCase expected, string operation, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        await _oneRequestAtATime.WaitAsync(cancellationToken);
        try
        {
            if (Failure is not null || _shutDown)
            {
                throw new ExecutorFailureException(new ExecutorFailure(
                    ExecutorFailureKind.NotRunning, operation, Failure is null ? "the executor was shut down" : $"it already failed: {Failure.Kind} during {Failure.Operation}"));
            }

            request.Id = ++_lastRequestId;
            // Checked before writing so that a too-big request leaves the process usable.
            var size = request.CalculateSize();
            if (size > _codec.MaxFrameBytes)
            {
                throw new FrameTooLargeException(size, _codec.MaxFrameBytes);
            }

            var limit = timeout ?? _options.RequestTimeout;
            using var timeoutSource = new CancellationTokenSource(limit);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeoutSource.Token);
            // Killing the process (closing the connection) is what reliably unblocks a read or write on its pipes (socket).
            using var killOnCancel = linked.Token.Register(KillQuietly);

            Response? response;
            try
            {
                await _codec.WriteAsync(RequestStream, request, linked.Token);
                response = await _codec.ReadAsync(ReplyStream, Response.Parser, linked.Token);
            }
            catch (Exception e) when (timeoutSource.IsCancellationRequested)
            {
                throw await FailAsync(ExecutorFailureKind.Timeout, operation, $"no reply within {limit.TotalSeconds:0.#} s; {WhatWasStopped}", e);
            }
            catch (Exception e) when (cancellationToken.IsCancellationRequested)
            {
                var failure = await FailAsync(ExecutorFailureKind.Cancelled, operation, $"cancelled by the caller; {WhatWasStopped}", e);
                throw new OperationCanceledException(failure.Message, failure, cancellationToken);
            }
            catch (Exception e) when (e is FrameTooLargeException or InvalidProtocolBufferException)
            {
                throw await FailAsync(ExecutorFailureKind.ProtocolViolation, operation, $"unreadable reply: {e.Message}", e);
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException or SocketException)
            {
                throw _process is null
                    ? await FailAsync(ExecutorFailureKind.ConnectionLost, operation, $"the connection broke: {e.Message}", e)
                    : await FailAsync(ExecutorFailureKind.Crashed, operation, $"the pipe broke: {e.Message}", e);
            }

            if (response is null)
            {
                throw _process is null
                    ? await FailAsync(ExecutorFailureKind.ConnectionLost, operation, "the executor closed the connection", inner: null)
                    : await FailAsync(ExecutorFailureKind.Crashed, operation, "the executor closed its stdout", inner: null);
            }

            if (response.Id != request.Id)
            {
                throw await FailAsync(ExecutorFailureKind.ProtocolViolation, operation, $"reply id {response.Id} does not match request id {request.Id}", inner: null);
            }

            if (response.BodyCase == Response.BodyOneofCase.Error)
            {
                throw new ExecutorErrorException(response.Error);
            }

            return response.BodyCase == expected
                ? response
                : throw await FailAsync(ExecutorFailureKind.ProtocolViolation, operation, $"expected a {expected} reply, got {response.BodyCase}", inner: null);
        }
        finally
        {
            _oneRequestAtATime.Release();
        }
    }

    private string WhatWasStopped => _process is null ? "the connection was closed" : "the process was killed";

    /// <summary>Makes sure the process (connection) is gone, records why, and builds the exception to throw.</summary>
    private async Task<ExecutorFailureException> FailAsync(ExecutorFailureKind kind, string operation, string detail, Exception? inner)
    {
        if (_process is null)
        {
            // No process of ours: no exit status and no stderr, only a connection to close.
            KillQuietly();
            Failure = new ExecutorFailure(kind, operation, detail);
            return new ExecutorFailureException(Failure, inner);
        }

        // A crash announces itself by EOF slightly before the exit status is reapable; give it a moment.
        if (kind != ExecutorFailureKind.Crashed || !await WaitForExitAsync(TimeSpan.FromSeconds(2)))
        {
            KillQuietly();
            await WaitForExitAsync(TimeSpan.FromSeconds(2));
        }

        int? exitCode = null, signal = null;
        if (HasExited)
        {
            var code = _process.ExitCode;
            if (code > SignalExitBase && code < SignalExitBase + 64)
            {
                signal = code - SignalExitBase;
            }
            else
            {
                exitCode = code;
            }
        }

        Failure = new ExecutorFailure(kind, operation, detail, exitCode, signal, _stderr.ToString());
        return new ExecutorFailureException(Failure, inner);
    }

    /// <summary>True when the process exited (and its stderr was drained) within <paramref name="limit"/>.</summary>
    private async Task<bool> WaitForExitAsync(TimeSpan limit)
    {
        if (_process is null)
        {
            return true;
        }

        using var timeout = new CancellationTokenSource(limit);
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>Kills the process, or closes the TCP connection (the remote executor keeps listening).</summary>
    private void KillQuietly()
    {
        if (_process is null)
        {
            _connectionClosed = true;
            _connection?.Dispose();
            return;
        }

        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        catch (Exception e) when (e is InvalidOperationException or Win32Exception or NotSupportedException)
        {
            // Already gone, or never started: nothing to kill.
        }
    }

    private static string ShortHash(string hash) => hash.Length > 12 ? hash[..12] : hash;
}
