using Dsx.Wire;

namespace Dsx.Search.Tests;

public sealed class ExplorationTests
{
    private static readonly LayerChoice Nchw = new("gemm_neon", Layout.Nchw, Precision.Fp32, 1);
    private static readonly LayerChoice Nhwc = new("xnnpack", Layout.Nhwc, Precision.Fp32, 1);
    private static readonly LayerChoice Int8 = new("xnnpack", Layout.Nhwc, Precision.Int8, 1);

    // Per layer: NCHW 3 ms, NHWC 2 ms, INT8 1 ms; a conversion 0.5 ms. AAA = 9 ms, BBB = 6 + 0.5 (in) + 0.5 (out) = 7, CCC = 4.
    private static readonly CandidatePlan Aaa = new([0, 0, 0]);
    private static readonly CandidatePlan Bbb = new([1, 1, 1]);
    private static readonly CandidatePlan Ccc = new([2, 2, 2]);
    private static readonly CandidatePlan Mixed = new([0, 1, 2]);

    private static readonly SearchSpace Space = new("chain", [.. Enumerable.Range(0, 3).Select(i => new SearchLayer(
        i, $"l{i}", OpType.Conv, 1e6, [1, 8, 4, 4], [i == 0 ? SearchLayer.GraphInput : i - 1], [128], i == 2, [Nchw, Nhwc, Int8]))]);

    private static FakeBoard Board() => new(Space, (_, c) => c == Nchw ? 3 : c == Nhwc ? 2 : 1);

    private static MeasurementTable Table() => new(Space, new BoardDescription("fake", "x86", false, "0", 1));

    private static ExplorationSettings Settings(int episodes) => new() { Episodes = episodes, AccuracyReference = Aaa };

    /// <summary>The budget spent exactly: every episode observed by the strategy once and in the result's history.</summary>
    private static void AssertSpent(int episodes, ExplorationResult result, ScriptedStrategy strategy)
    {
        Assert.Equal(episodes, strategy.Observed.Count);
        Assert.Equal(episodes, result.Episodes);
        Assert.Equal(episodes, result.BestCostByEpisode.Count);
    }

    /// <summary>Plans as sorted text, to compare what came back in an order the clock decides.</summary>
    private static List<string> Names(IEnumerable<CandidatePlan> plans) => [.. plans.Select(p => p.ToString()).Order(StringComparer.Ordinal)];

    private static Task<ExplorationResult> Run(MeasurementTable table, ISearchStrategy strategy, FakeBoard board, ExplorationSettings settings) =>
        new Exploration(table, Space, strategy, board, settings, clock: () => 1000).RunAsync();

    [Fact]
    public async Task An_exploration_killed_mid_step_resumes_from_its_last_checkpoint_and_measures_nothing_twice()
    {
        var settings = Settings(14) with { Batch = 3, SeedPlans = [Bbb] };
        var table = Table();
        var board = new KeyedBoard(Board()) { CrashBefore = 5 };
        var strategy = new QLearningStrategy(Space, 7, settings.Episodes);
        (ExplorationCheckpoint Exploration, byte[] Strategy)? saved = null;
        var first = new Exploration(table, Space, new StrategyLearner(strategy), board, settings, null, clock: () => 1000)
        {
            CheckpointAsync = (c, _) =>
            {
                saved = (c, strategy.SaveState());
                return Task.CompletedTask;
            },
        };

        await Assert.ThrowsAsync<OperationCanceledException>(() => first.RunAsync());
        Assert.NotNull(saved);
        Assert.InRange(saved.Value.Exploration.Episode, 1, 13);

        // The restarted silo: the strategy as the learner persisted it, the same store and kept answers.
        board.CrashBefore = null;
        var restored = new QLearningStrategy(Space, 7, settings.Episodes);
        restored.RestoreState(saved.Value.Strategy);
        var result = await new Exploration(table, Space, new StrategyLearner(restored), board, settings, saved.Value.Exploration, clock: () => 1000).RunAsync();

        Assert.Equal(14, result.Episodes);
        Assert.Equal(14, result.BestCostByEpisode.Count);
        Assert.All(board.RealMeasurements, m => Assert.Equal(1, m.Value));
        Assert.NotNull(result.Best);
    }

    [Fact]
    public async Task One_exploration_keeps_a_batch_of_measurements_out_and_proposes_as_each_comes_back()
    {
        var board = new GatedBoard(Board());
        var strategy = new ScriptedStrategy(Aaa, Bbb, Ccc, Mixed, Mixed.With(0, 1));
        var run = new Exploration(Table(), Space, strategy, board, Settings(5) with { Batch = 3 }, clock: () => 1000).RunAsync();

        await GatedBoard.UntilAsync(() => board.Waiting.Count == 3);
        Assert.Equal(["e1", "e2", "e3"], board.Waiting);
        board.Release("e2");
        // Episode 2's result goes to the strategy at once, and episode 4 to the board while 1 and 3 are still out.
        await GatedBoard.UntilAsync(() => board.Waiting.Contains("e4"));
        Assert.Equal(["e1", "e3", "e4"], board.Waiting);
        Assert.Equal([Bbb], strategy.Observed.Select(r => r.Plan));
        board.Release("e3");
        await GatedBoard.UntilAsync(() => board.Waiting.Contains("e5"));
        Assert.Equal([Bbb, Ccc], strategy.Observed.Select(r => r.Plan));

        board.Open = true;
        foreach (var key in board.Waiting)
        {
            board.Release(key);
        }

        var result = await run.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal([3, 1, 1], strategy.ProposalSizes);
        AssertSpent(5, result, strategy);
    }

    [Fact]
    public async Task An_exploration_stopped_with_measurements_out_asks_exactly_those_keys_again_and_measures_nothing_twice()
    {
        var settings = Settings(6) with { Batch = 3 };
        var table = Table();
        CandidatePlan[] plans = [Aaa, Bbb, Ccc, Mixed, Mixed.With(0, 1), Mixed.With(2, 0)];
        var strategy = new ScriptedStrategy(plans);
        (ExplorationCheckpoint Exploration, byte[] Strategy)? saved = null;
        var unannounced = new List<string>();
        // Every episode key must be in the checkpoint written before it goes to the board, so a resume can ask it again.
        var board = new GatedBoard(Board())
        {
            Starting = key =>
            {
                if (key.StartsWith('e') && saved?.Exploration.InFlight.Any(e => MeasurementKeys.Episode(e.Episode) == key) != true)
                {
                    unannounced.Add(key);
                }
            },
        };
        using var stop = new CancellationTokenSource();
        var first = new Exploration(table, Space, new StrategyLearner(strategy), board, settings, null, clock: () => 1000)
        {
            CheckpointAsync = (c, _) =>
            {
                saved = (c, strategy.SaveState());
                return Task.CompletedTask;
            },
        }.RunAsync(stop.Token);
        await GatedBoard.UntilAsync(() => board.Waiting.Count == 3);
        board.Release("e2");
        await GatedBoard.UntilAsync(() => board.Waiting.Contains("e4"));
        // The silo dies with episodes 1, 3 and 4 on the boards.
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => first);
        Assert.Equal(1, saved!.Value.Exploration.Episode);
        Assert.Equal([1, 3, 4], saved.Value.Exploration.InFlight.Select(e => e.Episode));

        var askedBefore = board.Asked.Count;
        board.Open = true;
        var restored = new ScriptedStrategy(plans);
        restored.RestoreState(saved.Value.Strategy);
        var result = await new Exploration(table, Space, new StrategyLearner(restored), board, settings, saved.Value.Exploration, clock: () => 1000)
        {
            CheckpointAsync = (c, _) =>
            {
                saved = (c, restored.SaveState());
                return Task.CompletedTask;
            },
        }.RunAsync().WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(["e1", "e3", "e4"], board.Asked.Skip(askedBefore).Take(3));
        Assert.DoesNotContain("e2", board.Asked.Skip(askedBefore));
        Assert.Empty(unannounced);
        Assert.All(board.RealMeasurements, m => Assert.Equal(1, m.Value));
        Assert.Equal(6, result.Episodes);
        Assert.Equal(6, result.BestCostByEpisode.Count);
        // Episode 2 was learned before the stop; the rest after the resume, each once.
        Assert.Equal(Names(plans.Where(p => p != Bbb)), Names(restored.Observed.Select(r => r.Plan)));
    }

    [Fact]
    public async Task With_a_board_that_answers_at_once_the_proposals_are_reproducible()
    {
        async Task<(List<CandidatePlan> Measured, IReadOnlyList<double?> Costs)> RunOnce()
        {
            var board = Board();
            var settings = Settings(40) with { Batch = 4, SeedPlans = [Bbb, Aaa] };
            var result = await Run(Table(), new QLearningStrategy(Space, 11, settings.Episodes), board, settings);
            return (board.Measured, result.EpisodeCosts);
        }

        var (measured, costs) = await RunOnce();
        var again = await RunOnce();

        Assert.Equal(measured, again.Measured);
        Assert.Equal(costs, again.Costs);
        Assert.Equal(40, costs.Count);
    }

    [Fact]
    public async Task Seed_plans_go_to_the_board_first_and_the_strategy_proposes_as_slots_come_free()
    {
        var board = new SlowBoard(Board());
        var strategy = new ScriptedStrategy(Aaa);

        await new Exploration(Table(), Space, strategy, board, Settings(4) with { Batch = 2, SeedPlans = [Aaa, Bbb, Ccc], FinalRounds = 0 }, clock: () => 1000).RunAsync();

        // Seeds AAA and BBB together, CCC when either is back (never three on the board), then the one proposal. Which
        // comes back first is the board's timing (on a loaded machine CCC can overtake BBB), so only the set is checked.
        Assert.Equal(2, board.MostAtOnce);
        Assert.Equal(Names([Aaa, Aaa, Bbb, Ccc]), Names(strategy.Observed.Select(r => r.Plan)));
        Assert.Equal([1], strategy.ProposalSizes);
    }

    [Fact]
    public async Task The_baseline_runs_in_the_run_off_and_wins_when_the_search_found_nothing_faster()
    {
        var board = Board();
        // AAA (all NCHW) is the baseline; the search only ever saw BBB, which is slower end to end on this board.
        board.EndToEndBonusMs[Bbb] = 5;
        var strategy = new ScriptedStrategy(Bbb);

        var result = await Run(Table(), strategy, board, Settings(1) with { FinalRounds = 1, Baseline = Aaa });

        Assert.Equal(Aaa, result.Best!.Plan);
        Assert.Equal(2, board.Measured.Count(p => p == Aaa));
    }

    [Fact]
    public void A_checkpoint_survives_json()
    {
        var checkpoint = new ExplorationCheckpoint(
            3, 1, 2, 0, [null, 7.0, 7.0], [new CheckpointedConfirmation("1.1.1", 6.5, [7.0, 7.2], 1234), new CheckpointedConfirmation("2.2.2", null, [5.0], 1000)],
            [new CheckpointedVerdict("2.2.2", AccuracyVerdict.Failed("off"))], ["1.1.1", "0.0.0"])
        {
            EpisodeCosts = [9.0, null, 7.0],
        };

        var back = ExplorationCheckpoint.FromJson(checkpoint.ToJson());

        Assert.Equal(checkpoint.ToJson(), back.ToJson());
        Assert.Equal(new double?[] { 9.0, null, 7.0 }, back.EpisodeCosts);
        // The live Pareto front leaves the guard-rejected plan out and takes each plan's median latency.
        var front = Assert.Single(back.ParetoFront());
        Assert.Equal(("1.1.1", 1234L), (front.Plan, front.PeakBytes));
        Assert.Equal(7.1, front.LatencyMs, 6);
        Assert.Equal([7.0, 7.2], back.Confirmed[0].MediansMs);
        Assert.False(back.Verdicts[0].Verdict.Passed);
    }

    [Fact]
    public async Task A_plan_the_table_already_trusts_is_answered_without_the_board()
    {
        var board = Board();
        var strategy = new ScriptedStrategy(Aaa, Aaa, Bbb, Aaa);

        var result = await Run(Table(), strategy, board, Settings(4));

        Assert.Equal([Aaa, Bbb], board.Measured);
        Assert.Equal(2, result.TableHits);
        Assert.Equal(2, result.BoardMeasurements);
        // The table's answer costs what the board said: 3 ms per layer.
        Assert.Equal([3.0, 3.0, 3.0], strategy.Observed[1].LayerCosts);
        Assert.Equal(Bbb, result.Best!.Plan);
        Assert.Equal(7, result.Best.LatencyMs, 6);
    }

    [Fact]
    public async Task Seed_plans_are_the_first_episodes_observed_by_the_strategy_and_counted_in_the_budget()
    {
        var board = Board();
        var strategy = new ScriptedStrategy(Aaa);

        var result = await Run(Table(), strategy, board, Settings(4) with { SeedPlans = [Bbb, Ccc] });

        Assert.Equal([Bbb, Ccc, Aaa], board.Measured);
        Assert.Equal([Bbb, Ccc, Aaa, Aaa], strategy.Observed.Select(r => r.Plan));
        Assert.Equal([1, 1], strategy.ProposalSizes);
        Assert.Equal(4, result.Episodes);
    }

    [Fact]
    public void A_single_library_seed_puts_every_layer_the_library_covers_on_it_and_the_rest_in_their_input_format()
    {
        var pool = new LayerChoice("ref", Layout.Nchw, Precision.Fp32, 1);
        var poolNhwc = new LayerChoice("neon", Layout.Nhwc, Precision.Fp32, 1);
        var space = new SearchSpace("net", [
            new SearchLayer(0, "conv", OpType.Conv, 1e6, [1, 8, 4, 4], [SearchLayer.GraphInput], [128], false, [Nchw, Nhwc, Int8]),
            new SearchLayer(1, "pool", OpType.MaxPool, 0, [1, 8, 2, 2], [0], [128], false, [pool, poolNhwc]),
            new SearchLayer(2, "fc", OpType.FullyConnected, 1e3, [1, 10], [1], [32], true, [Nchw]),
        ]);

        var seeds = SeedPlans.SingleLibraries(new MeasurementTable(space, new BoardDescription("fake", "x86", false, "0", 1)));

        // gemm_neon: conv on it, the pool stays NCHW, the FC on gemm_neon. xnnpack: conv NHWC, pool NHWC, the FC (no xnnpack) as it can.
        // xnnpack INT8: the conv quantised, the pool (no INT8 choice) back in FP32 in its layout.
        Assert.Equal([new CandidatePlan([0, 0, 0]), new CandidatePlan([1, 1, 0]), new CandidatePlan([2, 1, 0])], seeds);
    }

    [Fact]
    public void Seeds_cover_each_library_in_each_precision_on_one_thread_and_on_all_threads()
    {
        var nhwc2 = Nhwc with { Threads = 2 };
        var int8Twice = Int8 with { Threads = 2 };
        var space = new SearchSpace("net", [
            new SearchLayer(0, "conv", OpType.Conv, 1e6, [1, 8, 4, 4], [SearchLayer.GraphInput], [128], false, [Nchw, Nhwc, Int8, nhwc2, int8Twice]),
            new SearchLayer(1, "pool", OpType.MaxPool, 0, [1, 8, 2, 2], [0], [128], false, [
                new LayerChoice("ref", Layout.Nchw, Precision.Fp32, 1), new LayerChoice("neon", Layout.Nhwc, Precision.Fp32, 1),
                new LayerChoice("neon", Layout.Nhwc, Precision.Int8, 1), new LayerChoice("neon", Layout.Nhwc, Precision.Int8, 2)]),
            new SearchLayer(2, "fc", OpType.FullyConnected, 1e3, [1, 10], [1], [32], true, [Nchw, int8Twice]),
        ]);

        var seeds = SeedPlans.SingleLibraries(new MeasurementTable(space, new BoardDescription("fake", "x86", false, "0", 2)));

        // One thread: gemm_neon and xnnpack in FP32, xnnpack in INT8 (the pool stays INT8, the FC has no one-thread
        // INT8 choice). Two threads: xnnpack FP32 (pool and FC have no such choice: one-thread FP32), xnnpack INT8 throughout.
        Assert.Equal(
            [new CandidatePlan([0, 0, 0]), new CandidatePlan([1, 1, 0]), new CandidatePlan([2, 2, 0]), new CandidatePlan([3, 1, 0]), new CandidatePlan([4, 3, 1])],
            seeds);
    }

    [Fact]
    public async Task The_run_off_measures_the_finalists_and_seeds_again_in_turn_and_judges_each_by_its_median()
    {
        var board = Board();
        var strategy = new ScriptedStrategy(Aaa, Ccc);

        var result = await Run(Table(), strategy, board, Settings(3) with { SeedPlans = [Bbb], ConfirmTopK = 1, FinalRounds = 2 });

        // Episodes: seed BBB, then AAA, CCC. Run-off: CCC (best) and BBB (the seed), twice, in turn.
        Assert.Equal([Bbb, Aaa, Ccc, Ccc, Bbb, Ccc, Bbb], board.Measured);
        Assert.Equal(Ccc, result.Best!.Plan);
    }

    [Fact]
    public async Task Of_the_seed_plans_only_the_best_runs_in_the_run_off()
    {
        var board = Board();

        var result = await Run(Table(), new ScriptedStrategy(Ccc), board, Settings(3) with { SeedPlans = [Aaa, Bbb], ConfirmTopK = 1, FinalRounds = 1 });

        // Seeds AAA (9 ms) and BBB (6 ms), then CCC; the run-off: CCC and BBB, the better seed, not AAA.
        Assert.Equal([Aaa, Bbb, Ccc, Ccc, Bbb], board.Measured);
        Assert.Equal(Ccc, result.Best!.Plan);
    }

    [Fact]
    public async Task The_budget_is_spent_exactly_in_batches()
    {
        var strategy = new ScriptedStrategy(Aaa, Bbb);

        var result = await Run(Table(), strategy, Board(), Settings(7) with { Batch = 3 });

        Assert.Equal([3, 3, 1], strategy.ProposalSizes);
        AssertSpent(7, result, strategy);
    }

    [Fact]
    public async Task A_plan_answered_from_the_table_becomes_best_only_after_its_end_to_end_measurement()
    {
        var table = Table();
        Trust(table, Bbb, layerMs: 1.0);
        var board = Board();

        var result = await Run(table, new ScriptedStrategy(Aaa, Bbb), board, Settings(2));

        // BBB was a table hit predicted at 1 + 1 + 1 + 0.5 + 0.5 = 4 ms: measured to confirm, it runs in 7.
        Assert.Equal([Aaa, Bbb], board.Measured);
        Assert.Equal(Bbb, result.Best!.Plan);
        Assert.Equal(7, result.Best.LatencyMs, 6);
        Assert.Equal(4, result.Best.PredictedMs!.Value, 6);
        Assert.Equal((4 - 7) / 7.0, result.Best.PredictionError!.Value, 6);
        Assert.Equal([9.0, 7.0], result.BestCostByEpisode.Select(c => c!.Value));
    }

    [Fact]
    public async Task A_predicted_winner_that_runs_slower_end_to_end_does_not_become_best()
    {
        var table = Table();
        Trust(table, Bbb, layerMs: 1.0);
        var board = Board();
        board.EndToEndBonusMs[Bbb] = 5;

        var result = await Run(table, new ScriptedStrategy(Aaa, Bbb), board, Settings(2));

        Assert.Equal(Aaa, result.Best!.Plan);
        Assert.Equal(12, result.Confirmed.Single(c => c.Plan == Bbb).LatencyMs, 6);
    }

    [Fact]
    public async Task The_top_predicted_plans_are_confirmed_at_the_end()
    {
        var table = Table();
        // The table thinks BBB is slow (4 ms a layer: 13 ms), so it is not worth a measurement during the search.
        Trust(table, Bbb, layerMs: 4.0);
        var board = Board();

        var result = await Run(table, new ScriptedStrategy(Aaa, Bbb), board, Settings(2) with { ConfirmTopK = 2 });

        Assert.Equal([Aaa, Bbb], board.Measured);
        Assert.Equal(Bbb, result.Best!.Plan);
        // During the search the best was still AAA.
        Assert.Equal(9.0, result.BestCostByEpisode[1]);
    }

    [Fact]
    public async Task An_int8_plan_the_guard_rejects_is_reported_and_the_next_plan_wins()
    {
        var board = Board();
        board.Int8FlipsTop1 = true;

        var result = await Run(Table(), new ScriptedStrategy(Aaa, Ccc), board, Settings(2));

        Assert.Equal(Aaa, result.Best!.Plan);
        var rejection = Assert.Single(result.Rejections);
        Assert.Equal(Ccc, rejection.Plan.Plan);
        Assert.Contains("top-1 agrees with FP32 on 0/8", rejection.Verdict.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain(result.ParetoFront, c => c.Plan == Ccc);
        // The reference ran once, the candidate once: verdicts are kept.
        Assert.Equal([Aaa, Ccc], board.CalibrationRuns);
    }

    [Fact]
    public async Task An_int8_plan_within_the_thresholds_is_accepted_with_its_verdict()
    {
        var board = Board();
        board.Int8Error = 0.01;

        var result = await Run(Table(), new ScriptedStrategy(Aaa, Ccc), board, Settings(2));

        Assert.Equal(Ccc, result.Best!.Plan);
        Assert.True(result.BestVerdict!.Checked);
        Assert.True(result.BestVerdict.Passed);
        Assert.Equal(8, result.BestVerdict.Agreements);
    }

    [Fact]
    public async Task A_plan_without_int8_skips_the_guard()
    {
        var board = Board();

        var result = await Run(Table(), new ScriptedStrategy(Bbb), board, Settings(1));

        Assert.False(result.BestVerdict!.Checked);
        Assert.Empty(board.CalibrationRuns);
    }

    [Fact]
    public async Task A_failed_plan_is_reported_to_the_strategy_with_its_layer()
    {
        var board = Board();
        board.Failing.Add((1, 2));
        var strategy = new ScriptedStrategy(Aaa, new CandidatePlan([0, 2, 0]));

        var result = await Run(Table(), strategy, board, Settings(2));

        var failed = strategy.Observed[1];
        Assert.True(failed.Failed);
        Assert.Equal(1, failed.FailedLayer);
        Assert.Equal(1, result.Failures);
        Assert.Equal(Aaa, result.Best!.Plan);
        // The convergence curve's episode costs: the measured plan's, and none for the failed one.
        Assert.Equal(new double?[] { strategy.Observed[0].TotalCost, null }, result.EpisodeCosts);
    }

    [Fact]
    public async Task A_failure_without_a_layer_is_blamed_on_the_first_choice_never_seen_running()
    {
        var board = new FakeBoard(Space, (_, _) => 1) { NameFailedLayer = false };
        board.Failing.Add((1, 2));
        var strategy = new ScriptedStrategy(Aaa, new CandidatePlan([0, 2, 0]));

        await Run(Table(), strategy, board, Settings(2));

        Assert.Equal(1, strategy.Observed[1].FailedLayer);
    }

    [Fact]
    public async Task A_choice_that_failed_in_its_layer_is_marked_in_the_table_and_never_measured_again()
    {
        var board = Board();
        board.Failing.Add((1, 2));
        var crashing = new CandidatePlan([0, 2, 0]);
        var strategy = new ScriptedStrategy(crashing, Aaa, new CandidatePlan([1, 2, 1]));
        var table = Table();

        var result = await Run(table, strategy, board, Settings(3));

        Assert.Equal("refused", table.Failure(1, 2));
        Assert.Equal(1, table.FailingLayer(new CandidatePlan([1, 2, 1])));
        Assert.Single(board.Measured, p => p[1] == 2);
        // The third plan shares the failing choice: it fails at once, at that layer, without the board.
        Assert.Equal(1, strategy.Observed[2].FailedLayer);
        Assert.Equal(1, result.Failures);
        Assert.Equal(["l1:xnnpack/NHWC/INT8/t1"], table.FailingChoices());
        Assert.Equal(table.FailingChoices(), MeasurementTable.Parse(table.ToJson()).FailingChoices());
    }

    [Fact]
    public async Task A_later_exploration_of_the_kind_never_proposes_a_failing_choice_and_skips_seeds_that_use_it()
    {
        var table = Table();
        table.MarkFailing(1, 2, "crashed (signal 11) in layer 'l1' running primitive 'xnnpack'");
        var space = Space.Without(table.FailingChoices());
        var board = Board();
        var strategy = new RandomSearch(space, 3);

        await new Exploration(table, space, strategy, board, Settings(30) with { SeedPlans = [Ccc, Aaa] }, clock: () => 1000).RunAsync();

        Assert.Equal(2, space.Layers[1].Choices.Count);
        Assert.NotEmpty(board.Measured);
        Assert.All(board.Measured, plan => Assert.NotEqual(2, plan[1]));
        Assert.Equal(Aaa, board.Measured[0]);
        Assert.Throws<InvalidOperationException>(() => Space.Without(["l0:gemm_neon/NCHW/FP32/t1", "l0:xnnpack/NHWC/FP32/t1", "l0:xnnpack/NHWC/INT8/t1"]));
    }

    [Fact]
    public async Task On_a_noisy_board_the_best_is_measured_again_until_its_timing_is_trusted()
    {
        var noisy = new FakeBoard(Space, (_, c) => c == Nchw ? 3 : c == Nhwc ? 2 : 1) { Noisy = true };

        var result = await Run(Table(), new ScriptedStrategy(Bbb), noisy, Settings(1));

        Assert.Equal(Bbb, result.Best!.Plan);
        Assert.Equal(TrustPolicy.Default.NoisyRepeats, result.Best.Measurements);
        Assert.Equal(TrustPolicy.Default.NoisyRepeats, noisy.Measured.Count(p => p == Bbb));

        // A steady board's one measurement is enough.
        var steady = Board();
        Assert.Equal(1, (await Run(Table(), new ScriptedStrategy(Bbb), steady, Settings(1))).Best!.Measurements);
    }

    [Fact]
    public async Task A_noisy_layer_timing_is_measured_again_before_the_table_answers_for_it()
    {
        var noisy = new FakeBoard(Space, (_, c) => c == Nchw ? 3 : c == Nhwc ? 2 : 1) { Noisy = true };

        var result = await Run(Table(), new ScriptedStrategy(Aaa), noisy, Settings(5));

        // Measured until NoisyRepeats samples (spread 100% > 25%), then answered from the table.
        Assert.Equal(TrustPolicy.Default.NoisyRepeats, noisy.Measured.Count);
        Assert.Equal(5 - TrustPolicy.Default.NoisyRepeats, result.TableHits);
    }

    [Fact]
    public async Task Without_int8_the_strategy_searches_the_fp32_space_and_plans_are_translated()
    {
        var fp32 = Space.WithoutInt8();
        var board = Board();

        var result = await new Exploration(Table(), fp32, new RandomSearch(fp32, 7), board, Settings(20), clock: () => 1000).RunAsync();

        Assert.All(board.Measured, plan => Assert.False(Space.UsesInt8(plan)));
        Assert.Equal(result.Confirmed.Min(c => c.LatencyMs), result.Best!.LatencyMs);
        Assert.Empty(board.CalibrationRuns);
    }

    [Fact]
    public async Task Progress_reports_every_episode_and_saves_follow_every_measurement()
    {
        var reports = new List<ExplorationProgress>();
        var saves = 0;
        var exploration = new Exploration(Table(), Space, new ScriptedStrategy(Aaa, Aaa, Bbb), Board(), Settings(3), new Collect(reports), () => 1000);
        exploration.TableChanged += _ => saves++;

        await exploration.RunAsync();

        Assert.Equal([1, 2, 3], reports.Where(r => r.Note is null).Select(r => r.Episode));
        Assert.Equal(2, saves);
        var last = reports[^1];
        Assert.Equal((1, 2), (last.TableHits, last.BoardMeasurements));
    }

    [Fact]
    public async Task Every_measurement_key_is_told_or_in_the_checkpoint_before_it_is_asked_and_the_checkpoint_ends_what_was_told()
    {
        var board = new ToldBoard(Board());
        var checkpoints = 0;
        var exploration = new Exploration(Table(), Space, new StrategyLearner(new QLearningStrategy(Space, 3, 12)), board,
            Settings(12) with { Batch = 3, SeedPlans = [Bbb], FinalRounds = 2 }, null, clock: () => 1000)
        {
            CheckpointAsync = (c, _) =>
            {
                // Whatever was asked before the checkpoint has been answered or is listed in it: nothing told is still open.
                board.Listed = c.InFlight.Where(e => e.Source != EpisodeSource.Table).Select(e => MeasurementKeys.Episode(e.Episode)).ToHashSet(StringComparer.Ordinal);
                Assert.Subset(board.Listed, board.Asked.Except(board.Answered).ToHashSet(StringComparer.Ordinal));
                checkpoints++;
                return Task.CompletedTask;
            },
            MeasuringAsync = (key, _) =>
            {
                board.Told.Add(key);
                return Task.CompletedTask;
            },
        };

        var result = await exploration.RunAsync();

        Assert.True(checkpoints >= 4, $"{checkpoints} checkpoints");
        // Episodes were in a checkpoint; confirmations, run-off rounds and the INT8 plan's calibration (Ccc is all INT8 and
        // best) were told.
        Assert.Contains(board.Told, k => k.StartsWith("cal-", StringComparison.Ordinal));
        Assert.Contains(board.Told, k => k.StartsWith("r1-", StringComparison.Ordinal));
        Assert.Contains(board.Asked, k => k.StartsWith('e'));
        Assert.Equal(Ccc, result.Best!.Plan);
    }

    private static void Trust(MeasurementTable table, CandidatePlan plan, double layerMs)
    {
        for (var i = 0; i < plan.Count; i++)
        {
            table.SetCompute(i, plan[i], Stat(layerMs));
            table.SetMemory(i, plan[i], new LayerMemory(100, 0, 0));
            var from = Space.InputFormats(plan, i);
            var to = Space.Choice(plan, i).Format;
            if (MeasurementTable.NeedsConversion(Space.Layers[i], from, to))
            {
                table.SetConversion(i, from, to, Stat(0.5));
            }
        }
    }

    private static TimingStat Stat(double ms)
    {
        var stat = new TimingStat();
        stat.Add(ms, ms, ms, 1000);
        return stat;
    }

    /// <summary>A board that refuses a key it was not told before (<see cref="Exploration.MeasuringAsync"/>) nor is in the last checkpoint.</summary>
    private sealed class ToldBoard(FakeBoard board) : IPlanMeasurer
    {
        public HashSet<string> Told { get; } = new(StringComparer.Ordinal);

        /// <summary>The episode keys on the board in the last checkpoint.</summary>
        public HashSet<string> Listed { get; set; } = new(StringComparer.Ordinal);

        public List<string> Asked { get; } = [];

        public List<string> Answered { get; } = [];

        public async Task<PlanMeasurement> MeasureAsync(CandidatePlan plan, string key, CancellationToken cancellationToken)
        {
            Ask(key);
            var measurement = await board.MeasureAsync(plan, key, cancellationToken);
            Answered.Add(key);
            return measurement;
        }

        public async Task<PlanOutputs> RunCalibrationAsync(CandidatePlan plan, string key, CancellationToken cancellationToken)
        {
            Ask(key);
            var outputs = await board.RunCalibrationAsync(plan, key, cancellationToken);
            Answered.Add(key);
            return outputs;
        }

        private void Ask(string key)
        {
            Assert.True(Told.Contains(key) || Listed.Contains(key), $"{key} was asked before it was told or checkpointed");
            Asked.Add(key);
        }
    }

    private sealed class Collect(List<ExplorationProgress> into) : IProgress<ExplorationProgress>
    {
        public void Report(ExplorationProgress value) => into.Add(value);
    }
}
