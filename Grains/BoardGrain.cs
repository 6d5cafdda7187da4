using System.Runtime.InteropServices;
using Dsx.BoardHost;
using Dsx.Search;
using Dsx.Wire;
using Google.Protobuf;
using Microsoft.Extensions.Logging;

namespace Dsx.Grains;

/// <summary>
/// One board: starts its executor on first use (the registration is persisted), loads models by hash from their
/// <see cref="IModelGrain"/>, and runs one request at a time (Orleans grains are not reentrant). A plan that fails on
/// the executor (a typed error, a crash naming its layer) is an outcome; a board that cannot run anything (the
/// executor will not start, the connection is gone) throws, and the farm counts it against the board. A request that
/// hangs past <see cref="BoardOptions.MeasurementTimeout"/>, or kills the executor outside any layer, is blamed only after
/// a probe of the restarted executor: the plan's failure if the board answers, the board's if it does not.
/// </summary>
public sealed partial class BoardGrain(
    [PersistentState("board", StorageNames.Default)] IPersistentState<BoardRegistrationState> state,
    BoardOptions options,
    BoardTimingLog timings,
    ModelGraphCache graphs,
    SharedModelLoads sharedModels,
    ILogger<BoardGrain> logger) : Grain, IBoardGrain
{
    private readonly Dictionary<string, Graph> _graphs = [];
    private BoardSession? _session;

    public async Task ConfigureAsync(BoardRegistration registration)
    {
        ArgumentNullException.ThrowIfNull(registration);
        if (state.State.Registration != registration)
        {
            await StopAsync();
            state.State.Registration = registration;
            await state.WriteStateAsync();
        }
    }

    public async Task<BoardSpace> DescribeAsync(string modelHash)
    {
        var session = await SessionAsync();
        await LoadAsync(session, modelHash);
        var space = await session.DescribeSpaceAsync(modelHash);
        return new BoardSpace(session.Capabilities.ToByteArray(), space.ToByteArray());
    }

    public async Task<EpisodeOutcome> MeasureAsync(EpisodeRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var session = await SessionAsync();
        var graph = await LoadAsync(session, request.ModelHash);
        var plan = Plan.Parser.ParseFrom(request.WirePlan);
        var board = this.GetPrimaryKeyString();
        if (request.CalibrationInputs > 0)
        {
            var rows = new List<float[]>();
            foreach (var inputs in CalibrationSet.Seeded(graph.Inputs, request.CalibrationInputs, request.Seed).Inputs)
            {
                var run = await session.MeasureAsync(request.ModelHash, plan, new MeasureOptions(Warmup: 0, Repeats: 1, ReturnOutputs: true, Inputs: inputs));
                if (!run.Succeeded)
                {
                    return await FailedAsync(session, run.Failure, board);
                }

                var output = run.Reply.Outputs.FirstOrDefault(t => t.Name == graph.Outputs[0].Name)
                    ?? throw new IOException($"board '{board}' returned no output '{graph.Outputs[0].Name}' for a calibration run");
                rows.AddRange(AccuracyGuard.Rows(MemoryMarshal.Cast<byte, float>(output.FloatData.Span), output.Dims));
            }

            return new EpisodeOutcome(null, null, null, [.. rows], board, false);
        }

        var outcome = await session.MeasureAsync(request.ModelHash, plan, new MeasureOptions(Warmup: request.Warmup, Repeats: request.Repeats, Seed: request.Seed));
        if (!outcome.Succeeded)
        {
            return await FailedAsync(session, outcome.Failure, board);
        }

        timings.Record(board, outcome.Reply.StartUnixNs, outcome.Reply.EndUnixNs);
        return new EpisodeOutcome(outcome.Reply.ToByteArray(), null, null, null, board, false);
    }

    public async Task<bool> ProbeAsync()
    {
        BoardSession session;
        try
        {
            session = await SessionAsync();
        }
        catch (Exception e) when (e is ExecutorFailureException or ExecutorNotFoundException or IOException or InvalidOperationException or TimeoutException)
        {
            LogProbeFailed(logger, this.GetPrimaryKeyString(), e.Message);
            return false;
        }

        return await ProbeSessionAsync(session);
    }

    public async Task StopAsync()
    {
        if (_session is { } session)
        {
            _session = null;
            try
            {
                await session.ShutdownAsync();
            }
            catch (Exception e) when (e is ExecutorFailureException or IOException or ObjectDisposedException)
            {
                // A dead executor has nothing left to shut down.
            }

            await session.DisposeAsync();
        }
    }

    public Task<int?> GetProcessIdAsync() => Task.FromResult(_session?.ProcessId);

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken) => await StopAsync();

    private async Task<BoardSession> SessionAsync()
    {
        if (_session is not null)
        {
            return _session;
        }

        var registration = state.State.Registration
            ?? throw new InvalidOperationException($"board '{this.GetPrimaryKeyString()}' is not registered (dsx boards add)");
        var launch = BoardLaunches.For(registration);
        var command = launch.ToString();
        LogStarting(logger, registration.Id, command);
        try
        {
            _session = await BoardSession.StartAsync(launch, ExecutorOptions.Default with
            {
                RequestTimeout = options.MeasurementTimeout,
                SharedModels = BoardLaunches.SharesModels(registration) ? sharedModels : null,
            });
        }
        catch (ExecutorFailureException e) when (LastLine(e.Failure.StderrTail) is { } said)
        {
            // The farm keeps a failure's first line (LastError), but why a board would not start is what its launcher
            // said last on stderr (ssh's "Connection refused", a missing library): it goes into that line.
            throw new ExecutorFailureException(e.Failure with { Detail = $"{e.Failure.Detail}; {said}" }, e);
        }

        return _session;
    }

    private async Task<Graph> LoadAsync(BoardSession session, string modelHash)
    {
        if (!_graphs.TryGetValue(modelHash, out var graph))
        {
            graph = _graphs[modelHash] = await graphs.GetAsync(modelHash, async () => await GrainFactory.GetGrain<IModelGrain>(modelHash).GetAsync()
                ?? throw new InvalidOperationException($"no model was uploaded under hash {modelHash}"));
        }

        if (!session.ModelHashes.Contains(modelHash))
        {
            var loaded = await session.LoadModelAsync(graph);
            if (loaded.Hash != modelHash)
            {
                throw new InvalidOperationException($"board '{this.GetPrimaryKeyString()}' hashed model {modelHash} as {loaded.Hash}");
            }
        }

        return graph;
    }

    private static string? LastLine(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault();

    /// <summary>
    /// A failure the plan caused (a typed error, a crash naming the layer it was in) is the episode's outcome. An executor
    /// that hung or died without naming a layer has been restarted by the session; it is probed before anyone is blamed:
    /// if it answers, the board is sound and the plan failed (the outcome, without a layer); if not, the board failed:
    /// thrown, so the request goes to another board and the farm counts it against this one. The failure's first line
    /// only: the stderr tail is for a human reading one failure.
    /// </summary>
    private async Task<EpisodeOutcome> FailedAsync(BoardSession session, MeasurementFailure failure, string board)
    {
        var line = failure.ToString().Split('\n')[0];
        if (failure.Kind != MeasurementFailureKind.ExecutorError && failure.Layer.Length == 0)
        {
            if (!await ProbeSessionAsync(session))
            {
                throw new IOException($"the executor failed outside any layer and then failed its probe: {line}");
            }

            LogPlanBlamed(logger, board, line);
            return new(null, "", $"{line} (the board passed its probe afterwards)", null, board, false);
        }

        return new(null, failure.Layer, line, null, board, false);
    }

    /// <summary>A known-good tiny request (Ping) to the session's current executor; false, and the session stopped, when it fails.</summary>
    private async Task<bool> ProbeSessionAsync(BoardSession session)
    {
        try
        {
            await session.PingAsync();
            return true;
        }
        catch (Exception e) when (e is ExecutorFailureException or IOException or InvalidOperationException or TimeoutException)
        {
            LogProbeFailed(logger, this.GetPrimaryKeyString(), e.Message);
            await StopAsync();
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "board {Board}: starting {Launch}")]
    private static partial void LogStarting(ILogger logger, string board, string launch);

    [LoggerMessage(Level = LogLevel.Warning, Message = "board {Board}: a request failed outside any layer, the board passed its probe, so the plan is blamed: {Failure}")]
    private static partial void LogPlanBlamed(ILogger logger, string board, string failure);

    [LoggerMessage(Level = LogLevel.Warning, Message = "board {Board}: probe failed: {Error}")]
    private static partial void LogProbeFailed(ILogger logger, string board, string error);
}
