using System.Globalization;
using Dsx.Wire;

namespace Dsx.Search;

/// <summary>
/// One exploration: drives a strategy for a budget of episodes against a board (<see cref="IPlanMeasurer"/>), reusing
/// and extending a <see cref="MeasurementTable"/>.
/// <list type="bullet">
/// <item>Reuse: a plan whose every layer and conversion the table already trusts is answered by the additive model,
/// without the board; any other plan is measured, and the measurement recorded into the table.</item>
/// <item>Confirmation: a plan can become the best only with an end-to-end measurement of that exact plan. A measured
/// plan brings its own; a plan answered from the table is measured when its predicted cost beats the best so far.
/// At the end the <see cref="ExplorationSettings.ConfirmTopK"/> plans the final table predicts best are confirmed too,
/// and the confirmed plan of least cost wins. Each confirmation keeps what the model predicted, so its error is known.</item>
/// <item>Failing choices: a measurement that fails naming its layer (the executor crashed in it, or refused it) marks
/// that layer's choice failing in the table, which is kept per board kind; a plan with a failing choice never goes to the
/// board again (its episode fails at once, so the strategy learns to avoid it), and a strategy whose space leaves out
/// the table's failing choices (<see cref="SearchSpace.Without"/>) never proposes them. Seed plans its space cannot
/// express are skipped.</item>
/// <item>Steady best: a plan is declared best only on a steady end-to-end timing (trusted by the
/// <see cref="ExplorationSettings.Trust"/> policy): the best confirmed plan whose measurements spread too much is measured
/// again, up to the policy's noisy-repeat limit, before it is crowned.</item>
/// <item>Accuracy: a plan with INT8 layers becomes best only if the <see cref="AccuracyGuard"/> passes it against the
/// FP32 reference; a rejected plan is reported and the next confirmed plan is tried.</item>
/// </list>
/// <item>Asynchronous: up to <see cref="ExplorationSettings.Batch"/> episodes are out at once; each result goes to the
/// learner as it comes back and the next plan is proposed at once (<see cref="RunEpisodesAsync"/>).</item>
/// <item>Resume: whenever it observed results or started episodes, and before their measurements start, the loop hands
/// an <see cref="ExplorationCheckpoint"/> (with the episodes in flight) to <see cref="CheckpointAsync"/>; an exploration
/// constructed from one asks those episodes' keys again and goes on. Every board measurement carries a key
/// (<see cref="MeasurementKeys"/>) that is the same when a resumed exploration asks again, so a measurer that keeps its
/// answers by key measures nothing twice. The end's measurements, which no checkpoint lists, are told to
/// <see cref="MeasuringAsync"/> before they are asked, so an answer kept just before a crash can be recorded even if the
/// resumed exploration does not ask again.</item>
/// The strategy may search a restricted space (e.g. <see cref="SearchSpace.WithoutInt8"/>); its plans are translated into
/// the table's space, which the measurer speaks. Confirmed costs are the objective applied to the whole plan as one
/// layer: end-to-end median and peak memory.
/// </summary>
public sealed class Exploration
{
    private readonly MeasurementTable _table;
    private readonly SearchSpace _strategySpace;
    private readonly ILearner _learner;
    private readonly IPlanMeasurer _measurer;
    private readonly ExplorationSettings _settings;
    private readonly IProgress<ExplorationProgress>? _progress;
    private readonly Func<long> _clock;
    private readonly Dictionary<CandidatePlan, Confirmation> _confirmed = [];
    private readonly List<double?> _history = [];
    private readonly List<double?> _episodeCosts = [];
    private readonly Dictionary<CandidatePlan, AccuracyVerdict> _verdicts = [];
    private readonly HashSet<CandidatePlan> _observed = [];
    private IReadOnlyList<float[]>? _referenceRows;
    private ConfirmedPlan? _best;
    /// <summary>Episodes observed (started ones: this plus those in flight).</summary>
    private int _episode;
    private IReadOnlyList<CheckpointedEpisode> _resumed = [];
    private int _tableHits;
    private int _boardMeasurements;
    private int _failures;

    /// <param name="strategySpace">The space the strategy proposes in: the table's, or a restriction of it over the same layers.</param>
    /// <param name="clock">Unix milliseconds now (for the table's timestamps and its trust policy's age limit).</param>
    public Exploration(
        MeasurementTable table,
        SearchSpace strategySpace,
        ISearchStrategy strategy,
        IPlanMeasurer measurer,
        ExplorationSettings settings,
        IProgress<ExplorationProgress>? progress = null,
        Func<long>? clock = null)
        : this(table, strategySpace, new StrategyLearner(strategy), measurer, settings, null, progress, clock)
    {
    }

    /// <param name="resume">Where an interrupted exploration stood (null: from the start).</param>
    public Exploration(
        MeasurementTable table,
        SearchSpace strategySpace,
        ILearner learner,
        IPlanMeasurer measurer,
        ExplorationSettings settings,
        ExplorationCheckpoint? resume,
        IProgress<ExplorationProgress>? progress = null,
        Func<long>? clock = null)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(strategySpace);
        ArgumentNullException.ThrowIfNull(learner);
        ArgumentNullException.ThrowIfNull(measurer);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentOutOfRangeException.ThrowIfNegative(settings.Episodes);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(settings.Batch);
        ArgumentOutOfRangeException.ThrowIfNegative(settings.ConfirmTopK);
        if (strategySpace.Layers.Count != table.Space.Layers.Count)
        {
            throw new ArgumentException($"the strategy's space has {strategySpace.Layers.Count} layers, the table's {table.Space.Layers.Count}", nameof(strategySpace));
        }

        _table = table;
        _strategySpace = strategySpace;
        _learner = learner;
        _measurer = measurer;
        _settings = settings;
        _progress = progress;
        _clock = clock ?? (() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        if (resume is not null)
        {
            Restore(resume);
        }
    }

    /// <summary>
    /// Called with the state to resume from (e.g. to persist it before going on) after each turn of the episode loop,
    /// before that turn's new measurements start: the keys of every episode in flight are in it.
    /// </summary>
    public Func<ExplorationCheckpoint, CancellationToken, Task>? CheckpointAsync { get; init; }

    /// <summary>
    /// Called, before it starts, with the key of each measurement no checkpoint lists: the end's confirmations, run-off
    /// rounds and steady repeats, and calibration runs. Each has ended before the next checkpoint, and the episodes in
    /// flight are in the checkpoint (a resumed loop asks them again), so the keys told since the last checkpoint are all
    /// that a crash can leave half done otherwise (a board's outcome kept, not yet in the table); an owner that persists
    /// them can have those outcomes recorded when it resumes, since the resumed search may never ask for them again.
    /// </summary>
    public Func<string, CancellationToken, Task>? MeasuringAsync { get; init; }

    /// <summary>Raised after every measurement recorded into the table (e.g. to save it, so nothing measured is lost).</summary>
    public event Action<MeasurementTable>? TableChanged;

    private Objective Objective => _settings.Objective;

    public async Task<ExplorationResult> RunAsync(CancellationToken cancellationToken = default)
    {
        await UpdateBestAsync(cancellationToken);
        await RunEpisodesAsync(cancellationToken);
        await ConfirmTopPredictedAsync(cancellationToken);
        await RunOffAsync(cancellationToken);
        await SteadyBestAsync(cancellationToken);
        await UpdateBestAsync(cancellationToken);
        var front = await AcceptableParetoFrontAsync(cancellationToken);
        return new ExplorationResult(
            _best,
            _best is null ? null : Verdict(_best.Plan),
            [.. _confirmed.Keys.Select(Confirmed).OrderBy(c => c.Cost)],
            [.. _verdicts.Where(v => !v.Value.Passed).Select(v => new GuardRejection(Confirmed(v.Key), v.Value)).OrderBy(r => r.Plan.Cost)],
            front,
            [.. _history],
            _episode,
            _tableHits,
            _boardMeasurements,
            _failures)
        {
            EpisodeCosts = [.. _episodeCosts],
        };
    }

    /// <summary>
    /// The episodes, as a sliding window: up to <see cref="ExplorationSettings.Batch"/> are out at once (the seed plans
    /// first, then the learner's), and each turn shows the learner what came back, in the order it completed (episode
    /// order among those back together), proposes as many plans as slots came free, checkpoints, and only then starts
    /// the new measurements. So a farm's boards wait for no batch's slowest plan, and a resumed exploration knows every
    /// key that may have reached a board. With a board that answers at once, a turn is one whole batch, as before.
    /// </summary>
    private async Task RunEpisodesAsync(CancellationToken cancellationToken)
    {
        var seeds = _settings.SeedPlans.Where(p => _table.Space.CanTranslate(p, _strategySpace)).Take(_settings.Episodes).ToList();
        // Resumed: what went to the board goes again under its key; what the table answered is decided again.
        var window = new List<StartedEpisode>();
        foreach (var e in _resumed)
        {
            var plan = CandidatePlan.Parse(e.Plan);
            window.Add(e.Source == EpisodeSource.Table ? Decide(e.Episode, plan, window) : new StartedEpisode(e.Episode, plan, e.Source));
        }

        var started = _episode + window.Count;
        var changed = window.Count > 0;
        while (true)
        {
            var count = Math.Min(_settings.Batch - window.Count, _settings.Episodes - started);
            if (count > 0)
            {
                foreach (var plan in await NextPlansAsync(seeds, started + 1, count, cancellationToken))
                {
                    window.Add(Decide(++started, plan, window));
                }

                changed = true;
            }

            if (changed)
            {
                await CheckpointTurnAsync(window, cancellationToken);
                changed = false;
            }

            if (_episode >= _settings.Episodes)
            {
                return;
            }

            foreach (var episode in window.Where(e => e.Source != EpisodeSource.Table && e.Pending is null))
            {
                episode.Pending = StartMeasurement(episode.Plan, MeasurementKeys.Episode(episode.Number), cancellationToken);
            }

            if (!window.Any(e => e.IsBack))
            {
                await Task.WhenAny(window.Select(e => e.Pending!.Measurement));
            }

            var back = window.Where(e => e.IsBack).ToList();
            window.RemoveAll(back.Contains);
            var results = new List<CompletedEpisode>(back.Count);
            foreach (var episode in back)
            {
                cancellationToken.ThrowIfCancellationRequested();
                _episode++;
                var result = await FinishEpisodeAsync(episode, cancellationToken);
                results.Add(new CompletedEpisode(episode.Number, result with { Plan = _table.Space.Translate(episode.Plan, _strategySpace) }));
                EpisodeDone(result);
                Report(null);
            }

            await _learner.ObserveAsync(results, cancellationToken);
            changed = true;
        }
    }

    /// <summary>The plans (in the table's space) of episodes <paramref name="first"/> on: seed plans first, then the learner's.</summary>
    private async Task<List<CandidatePlan>> NextPlansAsync(List<CandidatePlan> seeds, int first, int count, CancellationToken cancellationToken)
    {
        var plans = seeds.Skip(first - 1).Take(count).ToList();
        var asked = count - plans.Count;
        if (asked > 0)
        {
            var proposals = await _learner.ProposeAsync(first + plans.Count, asked, cancellationToken);
            if (proposals.Count != asked)
            {
                throw new InvalidOperationException($"strategy '{_learner.Name}' proposed {proposals.Count} plans when asked for {asked}");
            }

            plans.AddRange(proposals.Select(p => _strategySpace.Translate(p, _table.Space)));
        }

        return plans;
    }

    /// <summary>
    /// Where a started episode's answer will come from: the table, when it knows the plan fails or trusts every part of it
    /// (and the board confirms end to end a plan the table predicts to beat the best confirmed one, unless it is confirmed
    /// or on its way to the board already); the board otherwise.
    /// </summary>
    private StartedEpisode Decide(int number, CandidatePlan plan, List<StartedEpisode> window)
    {
        if (_table.FailingLayer(plan) is not null)
        {
            return new StartedEpisode(number, plan, EpisodeSource.Table);
        }

        if (!_table.Trusts(plan, _settings.Trust, _clock()))
        {
            return new StartedEpisode(number, plan, EpisodeSource.Board);
        }

        // Under a memory objective the prediction sums every layer's memory while a confirmation counts the peak, which
        // reuses activations, so few plans qualify here; the final top-k confirmation still measures the best predicted ones.
        var confirm = !_confirmed.ContainsKey(plan)
            && (_best is null || new AdditiveCostModel(_table, Objective).Predict(plan).Cost < _best.Cost)
            && !window.Any(e => e.Source != EpisodeSource.Table && e.Plan == plan);
        return new StartedEpisode(number, plan, confirm ? EpisodeSource.Confirmation : EpisodeSource.Table);
    }

    /// <summary>Keeps, after an episode, the best cost so far and the episode's own (null for a failed plan).</summary>
    private void EpisodeDone(EpisodeResult result)
    {
        _history.Add(_best?.Cost);
        _episodeCosts.Add(double.IsFinite(result.TotalCost) ? result.TotalCost : null);
    }

    /// <summary>An episode that is back: its result, from the table or from its measurement (recorded into the table).</summary>
    private async Task<EpisodeResult> FinishEpisodeAsync(StartedEpisode episode, CancellationToken cancellationToken)
    {
        var plan = episode.Plan;
        if (episode.Source != EpisodeSource.Board)
        {
            if (_table.FailingLayer(plan) is { } failing)
            {
                Report($"plan {plan} not measured: layer '{_table.Space.Layers[failing].Name}' runs {_table.Space.Choice(plan, failing)}, which failed on this board kind");
                return new EpisodeResult(plan, [], double.PositiveInfinity, failing);
            }

            // Answered from the table, as it stood before any confirmation of this plan was recorded into it.
            _tableHits++;
            var model = new AdditiveCostModel(_table, Objective);
            var prediction = model.Predict(plan);
            var costs = Enumerable.Range(0, plan.Count).Select(i => model.LayerCost(i, plan[i], _table.Space.InputFormats(plan, i))).ToArray();
            _observed.Add(plan);
            if (episode.Source == EpisodeSource.Confirmation && (await FinishAsync(plan, episode.Pending!)).Succeeded)
            {
                ReportConfirmed(plan);
            }

            await UpdateBestAsync(cancellationToken);
            return new EpisodeResult(plan, costs, prediction.Cost);
        }

        var measurement = await FinishAsync(plan, episode.Pending!);
        if (!measurement.Succeeded)
        {
            return new EpisodeResult(plan, [], double.PositiveInfinity, FailedLayer(plan, measurement.Failure));
        }

        _observed.Add(plan);
        await UpdateBestAsync(cancellationToken);
        return Observed(plan, measurement.Reply);
    }

    /// <summary>The episode's costs from a measurement: per layer, compute + conversion medians and memory under the objective.</summary>
    private EpisodeResult Observed(CandidatePlan plan, MeasureReply reply)
    {
        var costs = new double[plan.Count];
        long bytes = 0;
        for (var i = 0; i < plan.Count; i++)
        {
            var layer = reply.Layers[i];
            var memory = layer.WeightsBytes + layer.WorkspaceBytes + layer.OutputBytes;
            bytes += memory;
            costs[i] = Objective.LayerCost((layer.Compute?.MedianMs ?? 0) + (layer.Conversion?.MedianMs ?? 0), memory);
        }

        return new EpisodeResult(plan, costs, costs.Sum() + Objective.PlanPenalty(bytes));
    }

    /// <summary>Measures a plan on the board, records it into the table, and keeps its end-to-end figures as a confirmation.</summary>
    private async Task<PlanMeasurement> MeasureAsync(CandidatePlan plan, string key, CancellationToken cancellationToken)
    {
        await AnnounceAsync(key, cancellationToken);
        return await FinishAsync(plan, StartMeasurement(plan, key, cancellationToken));
    }

    private async Task<PlanOutputs> RunCalibrationAsync(CandidatePlan plan, CancellationToken cancellationToken)
    {
        var key = MeasurementKeys.Calibration(plan);
        await AnnounceAsync(key, cancellationToken);
        return await _measurer.RunCalibrationAsync(plan, key, cancellationToken);
    }

    private async Task AnnounceAsync(string key, CancellationToken cancellationToken)
    {
        if (MeasuringAsync is { } measuring)
        {
            await measuring(key, cancellationToken);
        }
    }

    /// <summary>Asks the board (the key told or in the checkpoint already), with the prediction the table makes before it knows the answer.</summary>
    private PendingMeasurement StartMeasurement(CandidatePlan plan, string key, CancellationToken cancellationToken) =>
        new(new AdditiveCostModel(_table).Predict(plan).LatencyMs, _measurer.MeasureAsync(plan, key, cancellationToken));

    private async Task<PlanMeasurement> FinishAsync(CandidatePlan plan, PendingMeasurement pending)
    {
        var predicted = pending.PredictedMs;
        var measurement = await pending.Measurement;
        _boardMeasurements++;
        if (!measurement.Succeeded)
        {
            _failures++;
            Report($"plan {plan} failed: {measurement.Failure}");
            if (_table.Space.Layers.FirstOrDefault(l => l.Name == measurement.Failure.Layer) is { } named
                && _table.MarkFailing(named.Index, plan[named.Index], measurement.Failure.Detail))
            {
                TableChanged?.Invoke(_table);
            }

            return measurement;
        }

        var reply = measurement.Reply;
        if (!measurement.Replayed)
        {
            _table.Record(plan, reply, predicted, _clock());
            TableChanged?.Invoke(_table);
        }

        if (!_confirmed.TryGetValue(plan, out var confirmation))
        {
            _confirmed[plan] = confirmation = new Confirmation(double.IsFinite(predicted) ? predicted : null);
        }

        var e2e = reply.EndToEnd;
        var median = e2e?.MedianMs ?? double.PositiveInfinity;
        confirmation.Add(e2e?.MinMs ?? median, median, e2e?.MaxMs ?? median, reply.Memory?.PeakBytes ?? 0, _clock());
        return measurement;
    }

    private async Task ConfirmAsync(CandidatePlan plan, string key, CancellationToken cancellationToken)
    {
        if (await MeasureAsync(plan, key, cancellationToken) is { Succeeded: true })
        {
            ReportConfirmed(plan);
        }
    }

    private void ReportConfirmed(CandidatePlan plan) =>
        Report(Text($"confirmed {plan}: {Confirmed(plan).LatencyMs:0.###} ms end-to-end (predicted {Confirmed(plan).PredictedMs:0.###} ms)"));

    /// <summary>Confirms the plans the final table predicts best, among those the search observed.</summary>
    private async Task ConfirmTopPredictedAsync(CancellationToken cancellationToken)
    {
        var model = new AdditiveCostModel(_table, Objective);
        var top = _observed
            .Select(plan => (Plan: plan, model.Predict(plan).Cost))
            .Where(p => double.IsFinite(p.Cost))
            .OrderBy(p => p.Cost)
            .ThenBy(p => p.Plan.ToString(), StringComparer.Ordinal)
            .Take(_settings.ConfirmTopK)
            .Select(p => p.Plan)
            .Where(p => !_confirmed.ContainsKey(p))
            .ToList();
        foreach (var plan in top)
        {
            await ConfirmAsync(plan, MeasurementKeys.Confirmation(plan), cancellationToken);
        }
    }

    /// <summary>
    /// Measures the best confirmed plans, the best seed plan and the baseline again in alternating rounds: the best is then
    /// judged by medians taken under the same conditions, and a search never ends on a plan the baseline beats.
    /// </summary>
    private async Task RunOffAsync(CancellationToken cancellationToken)
    {
        if (_settings.FinalRounds > 0 && _settings.Baseline is { } baseline && !_confirmed.ContainsKey(baseline))
        {
            await ConfirmAsync(baseline, MeasurementKeys.Confirmation(baseline), cancellationToken);
        }

        // The best seed plan runs too, so the search never ends worse than the best library alone; the other seeds
        // (a dozen or more: every library in each precision and thread count) would only lengthen the run-off.
        var bestSeed = _settings.SeedPlans.Where(_confirmed.ContainsKey).Select(Confirmed).Where(c => double.IsFinite(c.Cost))
            .OrderBy(c => c.Cost).Take(1).Select(c => c.Plan);
        var finalists = _confirmed.Keys.Select(Confirmed).Where(c => double.IsFinite(c.Cost)).OrderBy(c => c.Cost)
            .Take(_settings.ConfirmTopK)
            .Select(c => c.Plan)
            .Concat(bestSeed)
            .Concat(_settings.Baseline is { } b && _confirmed.ContainsKey(b) ? [b] : [])
            .Distinct()
            .ToList();
        for (var round = 0; round < _settings.FinalRounds && finalists.Count > 1; round++)
        {
            foreach (var plan in finalists)
            {
                cancellationToken.ThrowIfCancellationRequested();
                await MeasureAsync(plan, MeasurementKeys.RunOff(round, plan), cancellationToken);
            }
        }
    }

    /// <summary>
    /// Measures the best confirmed plan again while its end-to-end timing is too noisy to trust (one sample whose runs
    /// spread beyond the policy, or samples that disagree), so a plan is never crowned on one lucky measurement of a noisy
    /// board; the policy's noisy-repeat limit ends it. A plan that fails when measured again is no longer a candidate.
    /// </summary>
    private async Task SteadyBestAsync(CancellationToken cancellationToken)
    {
        while (await ChooseBestAsync(cancellationToken) is { } best && _confirmed[best.Plan] is var confirmation && !confirmation.IsSteady(_settings.Trust, _clock()))
        {
            cancellationToken.ThrowIfCancellationRequested();
            Report(Text($"best {best.Plan} is noisy ({confirmation.Spread:P0} spread over {confirmation.Count} measurement(s)): measuring it again"));
            if (!(await MeasureAsync(best.Plan, MeasurementKeys.Steady(confirmation.Count, best.Plan), cancellationToken)).Succeeded)
            {
                _confirmed.Remove(best.Plan);
            }
        }
    }

    private async Task UpdateBestAsync(CancellationToken cancellationToken)
    {
        var previous = _best;
        _best = await ChooseBestAsync(cancellationToken);
        if (_best is { } best && best.Plan != previous?.Plan)
        {
            Report(Text($"new best {best.Plan}: {best.LatencyMs:0.###} ms end-to-end"));
        }
    }

    /// <summary>The confirmed plan of least cost that passes the accuracy guard, trying the next one after each rejection.</summary>
    private async Task<ConfirmedPlan?> ChooseBestAsync(CancellationToken cancellationToken)
    {
        foreach (var candidate in _confirmed.Keys.Select(Confirmed).Where(c => double.IsFinite(c.Cost)).OrderBy(c => c.Cost))
        {
            if ((await JudgeAsync(candidate, cancellationToken)).Passed)
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>The Pareto front of the confirmed plans the guard does not reject (its INT8 members are judged first).</summary>
    private async Task<IReadOnlyList<ConfirmedPlan>> AcceptableParetoFrontAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var acceptable = _confirmed.Keys.Select(Confirmed)
                .Where(c => double.IsFinite(c.LatencyMs) && !(_verdicts.TryGetValue(c.Plan, out var v) && !v.Passed));
            var front = ParetoFront.Of(acceptable, c => c.LatencyMs, c => c.PeakBytes);
            var rejected = false;
            foreach (var plan in front)
            {
                rejected |= !(await JudgeAsync(plan, cancellationToken)).Passed;
            }

            if (!rejected)
            {
                return front;
            }
        }
    }

    private async Task<AccuracyVerdict> JudgeAsync(ConfirmedPlan candidate, CancellationToken cancellationToken)
    {
        if (!candidate.UsesInt8)
        {
            return AccuracyVerdict.NotApplicable;
        }

        if (_verdicts.TryGetValue(candidate.Plan, out var known))
        {
            return known;
        }

        var verdict = await RunGuardAsync(candidate.Plan, cancellationToken);
        _verdicts[candidate.Plan] = verdict;
        Report($"accuracy guard {(verdict.Passed ? "passed" : "rejected")} {candidate.Plan}: {verdict.Reason}");
        return verdict;
    }

    private async Task<AccuracyVerdict> RunGuardAsync(CandidatePlan plan, CancellationToken cancellationToken)
    {
        if (_referenceRows is null)
        {
            var referencePlan = _settings.AccuracyReference
                ?? throw new InvalidOperationException("the space has INT8 choices but the exploration was given no FP32 reference plan");
            if (_table.Space.UsesInt8(referencePlan))
            {
                throw new InvalidOperationException($"the accuracy reference {referencePlan} has INT8 layers; it must be all FP32");
            }

            var reference = await RunCalibrationAsync(referencePlan, cancellationToken);
            if (!reference.Succeeded)
            {
                return AccuracyVerdict.Failed($"the FP32 reference plan failed on the calibration inputs ({reference.Failure}), so no INT8 plan can be checked");
            }

            _referenceRows = reference.Rows;
        }

        var outputs = await RunCalibrationAsync(plan, cancellationToken);
        if (!outputs.Succeeded)
        {
            return AccuracyVerdict.Failed($"the plan failed on the calibration inputs: {outputs.Failure}");
        }

        return AccuracyGuard.Judge(_referenceRows, outputs.Rows, _settings.CalibrationLabels, _settings.Accuracy);
    }

    private AccuracyVerdict Verdict(CandidatePlan plan) => _verdicts.GetValueOrDefault(plan, AccuracyVerdict.NotApplicable);

    private ConfirmedPlan Confirmed(CandidatePlan plan)
    {
        var c = _confirmed[plan];
        var latency = c.LatencyMs;
        return new ConfirmedPlan(
            plan, latency, c.PeakBytes, Objective.LayerCost(latency, c.PeakBytes) + Objective.PlanPenalty(c.PeakBytes), c.PredictedMs, c.Count, _table.Space.UsesInt8(plan));
    }

    /// <summary>
    /// The failed layer's index. A board that could not name it (a hang, a crash without last words) is blamed on the
    /// first layer whose choice the table has never seen run, since a choice that ran before is not the likely culprit.
    /// </summary>
    private int FailedLayer(CandidatePlan plan, PlanFailure failure)
    {
        var layers = _table.Space.Layers;
        var named = layers.FirstOrDefault(l => l.Name == failure.Layer);
        if (named is not null)
        {
            return named.Index;
        }

        var unseen = layers.FirstOrDefault(l => _table.Compute(l.Index, plan[l.Index]) is null);
        return unseen?.Index ?? 0;
    }

    private async Task CheckpointTurnAsync(List<StartedEpisode> window, CancellationToken cancellationToken)
    {
        if (CheckpointAsync is { } checkpoint)
        {
            await checkpoint(Checkpoint(window), cancellationToken);
        }
    }

    private ExplorationCheckpoint Checkpoint(List<StartedEpisode> window) => new(
        _episode,
        _tableHits,
        _boardMeasurements,
        _failures,
        [.. _history],
        [.. _confirmed.Select(c => new CheckpointedConfirmation(c.Key.ToString(), c.Value.PredictedMs, [.. c.Value.MediansMs], c.Value.PeakBytes, c.Value.MinMs, c.Value.MaxMs))],
        [.. _verdicts.Select(v => new CheckpointedVerdict(v.Key.ToString(), v.Value))],
        [.. _observed.Select(p => p.ToString())])
    {
        EpisodeCosts = [.. _episodeCosts],
        InFlight = [.. window.Select(e => new CheckpointedEpisode(e.Number, e.Plan.ToString(), e.Source))],
    };

    private void Restore(ExplorationCheckpoint checkpoint)
    {
        (_episode, _tableHits, _boardMeasurements, _failures) =
            (checkpoint.Episode, checkpoint.TableHits, checkpoint.BoardMeasurements, checkpoint.Failures);
        _resumed = checkpoint.InFlight ?? [];
        _history.AddRange(checkpoint.History);
        // A checkpoint written before episode costs were kept has none: its episodes count as unknown.
        _episodeCosts.AddRange(checkpoint.EpisodeCosts ?? Enumerable.Repeat<double?>(null, checkpoint.History.Count));
        foreach (var c in checkpoint.Confirmed)
        {
            var confirmation = _confirmed[CandidatePlan.Parse(c.Plan)] = new Confirmation(c.PredictedMs);
            foreach (var median in c.MediansMs)
            {
                // A checkpoint from before extremes were kept: its medians alone.
                confirmation.Add(c.MinMs ?? median, median, c.MaxMs ?? median, c.PeakBytes, 0);
            }
        }

        foreach (var v in checkpoint.Verdicts)
        {
            _verdicts[CandidatePlan.Parse(v.Plan)] = v.Verdict;
        }

        _observed.UnionWith(checkpoint.Observed.Select(CandidatePlan.Parse));
    }

    private void Report(string? note) =>
        _progress?.Report(new ExplorationProgress(_episode, _settings.Episodes, _tableHits, _boardMeasurements, _failures, _best, note));

    private static string Text(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private sealed record PendingMeasurement(double PredictedMs, Task<PlanMeasurement> Measurement);

    /// <summary>An episode started and not yet observed; <see cref="Pending"/> is its measurement once it went to the board.</summary>
    private sealed class StartedEpisode(int number, CandidatePlan plan, EpisodeSource source)
    {
        public int Number { get; } = number;

        public CandidatePlan Plan { get; } = plan;

        public EpisodeSource Source { get; } = source;

        public PendingMeasurement? Pending { get; set; }

        public bool IsBack => Source == EpisodeSource.Table || Pending is { Measurement.IsCompleted: true };
    }

    /// <summary>The end-to-end measurements of one plan.</summary>
    private sealed class Confirmation(double? predictedMs)
    {
        private readonly TimingStat _timing = new();

        public double? PredictedMs { get; } = predictedMs;

        public long PeakBytes { get; private set; }

        public int Count => _timing.Count;

        public IReadOnlyList<double> MediansMs => _timing.Medians;

        public double MinMs => _timing.Min;

        public double MaxMs => _timing.Max;

        public double LatencyMs => _timing.Estimate;

        public double Spread => _timing.Spread;

        public bool IsSteady(TrustPolicy policy, long nowUnixMs) => _timing.IsTrusted(policy, nowUnixMs);

        public void Add(double minMs, double medianMs, double maxMs, long peakBytes, long unixMs)
        {
            _timing.Add(minMs, medianMs, maxMs, unixMs);
            PeakBytes = peakBytes;
        }
    }
}
