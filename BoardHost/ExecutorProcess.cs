using System.ComponentModel;
using System.Diagnostics;
using Dsx.Wire;
using Google.Protobuf;

namespace Dsx.BoardHost;

/// <summary>
/// One running executor, spoken to over its stdin/stdout with framed Request/Response messages, one
/// request at a time. A typed Error reply surfaces as <see cref="ExecutorErrorException"/> and leaves the
/// process usable; anything that leaves the reply stream in an unknown state (timeout, cancellation, crash,
/// garbage) kills the process and surfaces as <see cref="ExecutorFailureException"/> (or
/// <see cref="OperationCanceledException"/> for a caller's cancellation).
/// </summary>
public sealed class ExecutorProcess : IAsyncDisposable
{
    public const uint ClientProtocolVersion = (uint)ProtocolVersion.Current;

    // Unix reports "killed by signal N" as exit code 128 + N.
    private const int SignalExitBase = 128;

    private readonly Process _process;
    private readonly ExecutorOptions _options;
    private readonly FrameCodec _codec;
    private readonly StderrTail _stderr;
    private readonly SemaphoreSlim _oneRequestAtATime = new(1, 1);
    private readonly HashSet<string> _loadedModelHashes = new(StringComparer.Ordinal);
    private ulong _lastRequestId;
    private bool _shutDown;

    private ExecutorProcess(Process process, ExecutorLaunch launch, ExecutorOptions options)
    {
        _process = process;
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

    public int ProcessId => _process.Id;

    public bool HasExited
    {
        get
        {
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

    /// <summary>Starts the process without talking to it; the first request must be <see cref="HelloAsync"/>.</summary>
    public static ExecutorProcess Start(ExecutorLaunch launch, ExecutorOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(launch);
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
        var executor = new ExecutorProcess(process, launch, options);
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

    /// <summary>Starts the process and does the handshake; the process is disposed if either fails.</summary>
    public static async Task<ExecutorProcess> StartAsync(ExecutorLaunch launch, ExecutorOptions? options = null, CancellationToken cancellationToken = default)
    {
        var executor = Start(launch, options);
        try
        {
            await executor.HelloAsync(cancellationToken: cancellationToken);
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
    public async Task<HelloReply> HelloAsync(string token = "", CancellationToken cancellationToken = default)
    {
        var request = new Request { Hello = new Hello { ProtocolVersion = ClientProtocolVersion, Token = token } };
        HelloReply reply;
        try
        {
            reply = (await RoundTripAsync(request, Response.BodyOneofCase.Hello, "Hello", timeout: null, cancellationToken)).Hello;
        }
        catch (ExecutorErrorException e) when (e.Code == ErrorCode.VersionMismatch)
        {
            throw new ProtocolVersionMismatchException(ClientProtocolVersion, 0, e.Detail);
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
        var hash = ModelHash.Of(graph);
        var load = new LoadModel { Hash = hash };
        if (!_loadedModelHashes.Contains(hash))
        {
            load.Graph = graph;
        }

        var operation = $"LoadModel of '{graph.Name}' ({ShortHash(hash)})";
        var reply = (await RoundTripAsync(new Request { LoadModel = load }, Response.BodyOneofCase.Loaded, operation, timeout: null, cancellationToken)).Loaded;
        _loadedModelHashes.Add(hash);
        return reply;
    }

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

    /// <summary>Asks the executor to exit, waits for it, and kills it if it lingers.</summary>
    public async Task ShutdownAsync(CancellationToken cancellationToken = default)
    {
        await RoundTripAsync(new Request { Shutdown = new Shutdown() }, Response.BodyOneofCase.Bye, "Shutdown", _options.ShutdownGrace, cancellationToken);
        _shutDown = true;
        _process.StandardInput.Close();
        if (!await WaitForExitAsync(_options.ShutdownGrace))
        {
            KillQuietly();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Failure is null && !_shutDown && !HasExited)
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
        _process.Dispose();
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
            // Killing the process is what reliably unblocks a read or write on its pipes.
            using var killOnCancel = linked.Token.Register(KillQuietly);

            Response? response;
            try
            {
                await _codec.WriteAsync(_process.StandardInput.BaseStream, request, linked.Token);
                response = await _codec.ReadAsync(_process.StandardOutput.BaseStream, Response.Parser, linked.Token);
            }
            catch (Exception e) when (timeoutSource.IsCancellationRequested)
            {
                throw await FailAsync(ExecutorFailureKind.Timeout, operation, $"no reply within {limit.TotalSeconds:0.#} s; the process was killed", e);
            }
            catch (Exception e) when (cancellationToken.IsCancellationRequested)
            {
                var failure = await FailAsync(ExecutorFailureKind.Cancelled, operation, "cancelled by the caller; the process was killed", e);
                throw new OperationCanceledException(failure.Message, failure, cancellationToken);
            }
            catch (Exception e) when (e is FrameTooLargeException or InvalidProtocolBufferException)
            {
                throw await FailAsync(ExecutorFailureKind.ProtocolViolation, operation, $"unreadable reply: {e.Message}", e);
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException)
            {
                throw await FailAsync(ExecutorFailureKind.Crashed, operation, $"the pipe broke: {e.Message}", e);
            }

            if (response is null)
            {
                throw await FailAsync(ExecutorFailureKind.Crashed, operation, "the executor closed its stdout", inner: null);
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

    /// <summary>Makes sure the process is gone, records why, and builds the exception to throw.</summary>
    private async Task<ExecutorFailureException> FailAsync(ExecutorFailureKind kind, string operation, string detail, Exception? inner)
    {
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

    private void KillQuietly()
    {
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
