using Microsoft.Extensions.Logging;

namespace Dsx.Grains;

/// <summary>
/// One board measurement of an exploration. The outcome is persisted before it is recorded into the measurement store
/// and returned, so a request repeated after a crash (same key) is answered from it, and the store's record (keyed by
/// request) is made at most once. A board that fails (not the plan) is released as failed and the request goes to
/// another board of the kind, up to <see cref="MaxBoardAttempts"/> times.
/// </summary>
public sealed partial class EpisodeGrain(
    [PersistentState("episode", StorageNames.Default)] IPersistentState<EpisodeGrainState> state,
    ILogger<EpisodeGrain> logger) : Grain, IEpisodeGrain
{
    public const int MaxBoardAttempts = 5;

    public async Task<EpisodeOutcome> RunAsync(EpisodeRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var key = this.GetPrimaryKeyString();
        if (state.State.Outcome is { } kept && kept.Plan.AsSpan().SequenceEqual(request.Plan))
        {
            await RecordAsync(key, request, kept.Outcome);
            return kept.Outcome with { Replayed = true };
        }

        var farm = GrainFactory.GetGrain<IBoardFarmGrain>(0);
        var failures = new List<string>();
        while (failures.Count < MaxBoardAttempts)
        {
            var lease = await farm.LeaseAsync(request.BoardKind, request.ExplorationId);
            EpisodeOutcome outcome;
            try
            {
                outcome = await GrainFactory.GetGrain<IBoardGrain>(lease.BoardId).MeasureAsync(request);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                var failure = $"board '{lease.BoardId}': {e.Message.Split('\n')[0]}";
                failures.Add(failure);
                LogBoardFailed(logger, key, failure);
                await farm.ReleaseAsync(lease, boardFailed: true, failure);
                continue;
            }

            state.State.Outcome = new KeptOutcome(request.Plan, outcome);
            await state.WriteStateAsync();
            await farm.ReleaseAsync(lease, boardFailed: false, null);
            await RecordAsync(key, request, outcome);
            return outcome;
        }

        throw new InvalidOperationException(
            $"measurement {key}: {MaxBoardAttempts} boards of kind '{request.BoardKind}' failed in a row: {string.Join("; ", failures)}");
    }

    public Task<EpisodeOutcome?> GetOutcomeAsync() => Task.FromResult(state.State.Outcome?.Outcome);

    private async Task RecordAsync(string key, EpisodeRequest request, EpisodeOutcome outcome)
    {
        // The baseline has no store (its plan need not be in the search space).
        if (request.StoreKey.Length > 0 && outcome is { Succeeded: true, Reply: { } reply })
        {
            await GrainFactory.GetGrain<IMeasurementStoreGrain>(request.StoreKey).RecordAsync(key, request.Plan, reply, request.PredictedMs);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "measurement {Key}: {Failure}; trying another board")]
    private static partial void LogBoardFailed(ILogger logger, string key, string failure);
}
