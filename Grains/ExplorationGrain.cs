using System.Globalization;
using Dsx.Search;
using Dsx.Wire;
using Google.Protobuf;
using Microsoft.Extensions.Logging;

namespace Dsx.Grains;

/// <summary>
/// One exploration: its spec and state machine, persisted with the search loop's checkpoint after every step. The
/// loop (<see cref="Exploration"/>, pure search logic) runs on the grain's thread in the background, with the learner
/// grain as its strategy and episode grains as its board; calls that read or change the state interleave with it.
/// A keep-alive reminder (and the silo's start-up wake-up) restarts the loop of a running exploration after a crash.
/// When grain storage is out (disk full, database down) the loop waits with a growing back-off, says why in the
/// summary's error while it stays running, and starts again from its last checkpoint: episodes are neither lost nor
/// taken twice, since every measurement is keyed and kept.
/// </summary>
public sealed partial class ExplorationGrain(
    [PersistentState("exploration", StorageNames.Default)] IPersistentState<ExplorationGrainState> state,
    [PersistentState("unsettled", StorageNames.Default)] IPersistentState<UnsettledMeasurementsState> unsettled,
    ILogger<ExplorationGrain> logger) : Grain, IExplorationGrain, IRemindable, IDisposable
{
    private const string KeepAlive = "keep-alive";

    private readonly ProgressSink _progress = new();
    private Task? _loop;
    private CancellationTokenSource? _stop;

    /// <summary>Whether a checkpoint was written since the unsettled keys were last written (they have all ended then).</summary>
    private bool _settled;

    /// <summary>Why the loop is waiting for storage (not persisted: the storage is what is out), or null.</summary>
    private string? _storageFault;

    private string Id => this.GetPrimaryKeyString();

    public async Task<ExplorationSummary> StartAsync(ExplorationSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (state.State.Spec is { } existing)
        {
            return existing == spec
                ? Summary()
                : throw new ArgumentException($"exploration '{Id}' already exists with another spec; choose another id");
        }

        ExplorationSpecCheck.Validate(spec);
        state.State.Spec = spec;
        state.State.Status = ExplorationStatus.Running;
        state.State.CreatedAt = state.State.UpdatedAt = DateTimeOffset.UtcNow;
        // No loop runs yet: a failed write may drop the activation, and the caller may simply start it again.
        await state.WriteOrForgetAsync(DeactivateOnIdle);
        await GrainFactory.GetGrain<IExplorationRegistryGrain>(0).RegisterAsync(Id);
        await this.RegisterOrUpdateReminder(KeepAlive, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
        StartLoop();
        return Summary();
    }

    public Task<ExplorationSummary> GetSummaryAsync() => Task.FromResult(Summary());

    public Task<ExplorationReport> GetReportAsync() => Task.FromResult(new ExplorationReport(
        Summary(), [.. state.State.BestPlan], state.State.BestPeakBytes, state.State.BaselinePeakBytes, state.State.AccuracyVerdict,
        [.. state.State.ParetoFront], state.State.BestPlanJson, [.. state.State.LayerNames], [.. state.State.BestLayerMs],
        [.. state.State.BaselineLayerMs]));

    public async Task<ExplorationSummary> PauseAsync()
    {
        if (state.State.Status == ExplorationStatus.Running)
        {
            await SetStatusAsync(ExplorationStatus.Paused);
            _stop?.Cancel();
        }

        return Summary();
    }

    public async Task<ExplorationSummary> ResumeAsync()
    {
        if (state.State.Status is ExplorationStatus.Paused or ExplorationStatus.Failed)
        {
            state.State.Error = null;
            await SetStatusAsync(ExplorationStatus.Running);
            await this.RegisterOrUpdateReminder(KeepAlive, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
            StartLoop();
        }

        return Summary();
    }

    public async Task<ExplorationSummary> CancelAsync()
    {
        if (state.State.Status is ExplorationStatus.Created or ExplorationStatus.Running or ExplorationStatus.Paused or ExplorationStatus.Failed)
        {
            await SetStatusAsync(ExplorationStatus.Cancelled);
            _stop?.Cancel();
            await StopRemindingAsync();
        }

        return Summary();
    }

    public Task WakeAsync()
    {
        if (state.State.Status == ExplorationStatus.Running)
        {
            StartLoop();
        }

        return Task.CompletedTask;
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (state.State.Status == ExplorationStatus.Running)
        {
            StartLoop();
        }
        else
        {
            await StopRemindingAsync();
        }
    }

    public void Dispose() => _stop?.Dispose();

    private void StartLoop()
    {
        if (_loop is { IsCompleted: false })
        {
            return;
        }

        _stop?.Dispose();
        _stop = new CancellationTokenSource();
        _loop = RunLoopAsync(_stop.Token);
    }

    private async Task RunLoopAsync(CancellationToken cancellationToken)
    {
        var attempt = 0;
        while (state.State.Status == ExplorationStatus.Running)
        {
            try
            {
                await RunOnceAsync(cancellationToken);
                return;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // Paused or cancelled: the state already says which, and the last checkpoint is where a resume starts.
                return;
            }
            catch (Exception e) when (StorageFaults.Reason(e) is { } reason)
            {
                // Counted from the first failure since the last write that went through.
                attempt = _storageFault is null ? 1 : attempt + 1;
                var delay = StorageFaults.Backoff(attempt);
                _storageFault = string.Create(CultureInfo.InvariantCulture,
                    $"waiting for storage (try {attempt}, next in {delay.TotalSeconds:0} s): {reason}");
                LogStorageFault(logger, Id, _storageFault);
                try
                {
                    await Task.Delay(delay, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
            catch (Exception e)
            {
                LogFailed(logger, Id, e);
                state.State.Error = e.Message;
                await SetStatusAsync(ExplorationStatus.Failed);
                return;
            }
        }
    }

    /// <summary>The search from the last checkpoint (or the start) to the end: what a crash or a storage outage starts again.</summary>
    private async Task RunOnceAsync(CancellationToken cancellationToken)
    {
        var spec = state.State.Spec!;
        LogRunning(logger, Id, state.State.Checkpoint is null ? "starting" : "resuming");
        var graph = Graph.Parser.ParseFrom(await GrainFactory.GetGrain<IModelGrain>(spec.ModelHash).GetAsync()
            ?? throw new InvalidOperationException($"no model was uploaded under hash {spec.ModelHash}"));
        var storeKey = $"{spec.BoardKind}/{spec.ModelHash}";
        await SettleAsync(storeKey);
        var table = await TableAsync(spec, graph, storeKey);
        var learner = GrainFactory.GetGrain<ILearnerGrain>(Id);
        // The choices the kind's store knows as failing are left out of the strategy's space; the learner keeps the list
        // of the first start, so a resumed exploration searches the same space.
        var learnerSpec = await learner.InitializeAsync(
            new LearnerSpec(spec.Strategy, spec.Seed, spec.Episodes, storeKey, spec.AllowInt8, [.. table.FailingChoices()]));
        var grainLearner = new GrainLearner(learner, spec.Strategy);
        var exploration = new Exploration(
            table,
            LearnerGrain.StrategySpace(table.Space, learnerSpec),
            grainLearner,
            new FarmPlanMeasurer(GrainFactory, Id, spec, storeKey, table),
            ExplorationSpecCheck.Settings(spec, table, graph),
            state.State.Checkpoint is { } json ? ExplorationCheckpoint.FromJson(json) : null,
            _progress)
        {
            CheckpointAsync = async (checkpoint, _) =>
            {
                // The checkpoint leaves out the episodes observed before it: the learner must have them first.
                await grainLearner.FlushAsync();
                state.State.Checkpoint = checkpoint.ToJson();
                ExplorationOutcome.ApplyProgress(state.State, checkpoint, _progress.Latest?.Best, table);
                await SaveProgressAsync(checkpoint.History, checkpoint.EpisodeCosts ?? []);
                _settled = true;
            },
            MeasuringAsync = async (key, cancellationToken) =>
            {
                if (_settled)
                {
                    unsettled.State.Keys.Clear();
                    _settled = false;
                }

                if (!unsettled.State.Keys.Contains(key, StringComparer.Ordinal))
                {
                    unsettled.State.Keys.Add(key);
                }

                // A failed write stops the loop, which waits for storage and starts again from the checkpoint (the
                // activation stays, with the reason for dsx status); keys held in memory only are settled then too.
                await unsettled.WriteStateAsync(cancellationToken);
            },
        };
        var result = await exploration.RunAsync(cancellationToken);
        cancellationToken.ThrowIfCancellationRequested();

        var baseline = await GrainFactory.GetGrain<IEpisodeGrain>($"{Id}/baseline").RunAsync(new EpisodeRequest(
            Id, spec.BoardKind, spec.ModelHash, "", [], PlanFactory.Baseline(graph).ToByteArray(), spec.Warmup, spec.Repeats, spec.Seed, null, 0));
        // Progress first, then the outcome: the last progress report predates the run-off, whose medians decide the best.
        await SaveProgressAsync(result.BestCostByEpisode, result.EpisodeCosts);
        ExplorationOutcome.Apply(state.State, result, table, baseline.Reply is { } reply ? MeasureReply.Parser.ParseFrom(reply) : null);
        await SetStatusAsync(ExplorationStatus.Completed);
        await StopRemindingAsync();
        LogCompleted(logger, Id, state.State.BestLatencyMs ?? double.NaN, state.State.BaselineLatencyMs ?? double.NaN);
    }

    /// <summary>
    /// Has the episode grains of the keys asked since the last checkpoint of the previous run record what they kept,
    /// before the table is read: the resumed search may answer those plans from the table and never ask them again.
    /// </summary>
    private async Task SettleAsync(string storeKey)
    {
        foreach (var key in unsettled.State.Keys)
        {
            await GrainFactory.GetGrain<IEpisodeGrain>($"{Id}/{key}").SettleAsync(storeKey);
        }

        _settled = true;
    }

    /// <summary>The shared table of this model on this board kind; the first exploration creates it from a board's design space.</summary>
    private async Task<MeasurementTable> TableAsync(ExplorationSpec spec, Graph graph, string storeKey)
    {
        var store = GrainFactory.GetGrain<IMeasurementStoreGrain>(storeKey);
        if (await store.GetTableAsync() is { } existing)
        {
            return MeasurementTable.Parse(existing, $"the measurement store {storeKey}");
        }

        var described = await BoardWork.RunAsync(GrainFactory, spec.BoardKind, Id, $"{Id}/describe", board => board.DescribeAsync(spec.ModelHash));
        var hello = HelloReply.Parser.ParseFrom(described.Hello);
        var space = SearchSpace.From(spec.ModelName, graph, DesignSpace.From(DesignSpaceReply.Parser.ParseFrom(described.DesignSpace), hello));
        var table = new MeasurementTable(space, new BoardDescription(spec.BoardKind, hello.Isa, hello.Emulated, hello.ExecutorVersion, hello.Cores));
        return MeasurementTable.Parse(await store.CreateAsync(table.ToJson()), $"the measurement store {storeKey}");
    }

    private async Task SaveProgressAsync(IReadOnlyList<double?> history, IReadOnlyList<double?> episodeCosts)
    {
        if (_progress.Latest is { } progress)
        {
            (state.State.TableHits, state.State.BoardMeasurements, state.State.Failures) = (progress.TableHits, progress.BoardMeasurements, progress.Failures);
            state.State.BestLatencyMs = progress.Best?.LatencyMs ?? state.State.BestLatencyMs;
        }

        state.State.History = [.. history];
        state.State.EpisodeCosts = [.. episodeCosts];
        state.State.Episode = history.Count;
        state.State.UpdatedAt = DateTimeOffset.UtcNow;
        await state.WriteStateAsync();
        _storageFault = null;
        // The loop is not a request: keep the activation while it runs.
        DelayDeactivation(TimeSpan.FromMinutes(30));
    }

    private async Task SetStatusAsync(ExplorationStatus status)
    {
        state.State.Status = status;
        state.State.UpdatedAt = DateTimeOffset.UtcNow;
        await state.WriteStateAsync();
    }

    private async Task StopRemindingAsync()
    {
        if (await this.GetReminder(KeepAlive) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }
    }

    private ExplorationSummary Summary()
    {
        var s = state.State;
        var live = s.Status == ExplorationStatus.Running ? _progress.Latest : null;
        return new ExplorationSummary(
            Id,
            s.Spec,
            s.Status,
            Math.Max(s.Episode, live?.Episode ?? 0),
            live?.TableHits ?? s.TableHits,
            live?.BoardMeasurements ?? s.BoardMeasurements,
            live?.Failures ?? s.Failures,
            live?.Best?.LatencyMs ?? s.BestLatencyMs,
            s.BaselineLatencyMs,
            [.. s.History],
            s.Error ?? (s.Status == ExplorationStatus.Running ? _storageFault : null),
            s.CreatedAt,
            s.UpdatedAt,
            [.. s.EpisodeCosts]);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "exploration {Id}: {What}")]
    private static partial void LogRunning(ILogger logger, string id, string what);

    [LoggerMessage(Level = LogLevel.Information, Message = "exploration {Id}: completed, best {BestMs:0.###} ms, baseline {BaselineMs:0.###} ms")]
    private static partial void LogCompleted(ILogger logger, string id, double bestMs, double baselineMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "exploration {Id}: {Fault}")]
    private static partial void LogStorageFault(ILogger logger, string id, string fault);

    [LoggerMessage(Level = LogLevel.Error, Message = "exploration {Id} failed")]
    private static partial void LogFailed(ILogger logger, string id, Exception exception);
}
