namespace Dsx.Search.Tests;

public sealed class StrategyTests
{
    private const int Budget = 200;

    public static TheoryData<string> Names => [.. StrategyFactory.Names];

    [Theory]
    [MemberData(nameof(Names))]
    public void Same_seed_gives_the_same_proposals_and_another_seed_others(string name)
    {
        var table = Problem();
        var first = Run(StrategyFactory.Create(name, table.Space, 7, Budget), table, 60);
        var again = Run(StrategyFactory.Create(name, table.Space, 7, Budget), table, 60);
        var other = Run(StrategyFactory.Create(name, table.Space, 8, Budget), table, 60);

        Assert.Equal(first, again);
        Assert.NotEqual(first, other);
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Save_and_restore_resumes_exactly_where_it_was(string name)
    {
        var table = Problem();
        var simulator = new TableSimulator(table, Objective.Latency, 5);
        var uninterrupted = StrategyFactory.Create(name, table.Space, 3, Budget);
        var interrupted = StrategyFactory.Create(name, table.Space, 3, Budget);
        // Both see the same measurements: the first 50 episodes, then the same results again for the next 50.
        var results = Enumerable.Range(0, 5).SelectMany(_ => Step(uninterrupted, simulator, 10)).ToList();
        foreach (var batch in results.Chunk(10))
        {
            Assert.Equal(batch.Select(r => r.Plan), interrupted.Propose(10));
            interrupted.Observe(batch);
        }

        var restored = StrategyFactory.Create(name, table.Space, 999, Budget);
        restored.RestoreState(interrupted.SaveState());
        AssertContinueAlike(uninterrupted, restored, simulator);
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void A_state_from_another_strategy_is_refused(string name)
    {
        var space = Problem().Space;
        var other = StrategyFactory.Names.First(n => n != name);
        Assert.Throws<ArgumentException>(() => StrategyFactory.Create(name, space, 1, Budget).RestoreState(StrategyFactory.Create(other, space, 1, Budget).SaveState()));
    }

    [Fact]
    public void Greedy_measures_every_choice_then_takes_each_layers_cheapest_observed_choice()
    {
        var table = Problem();
        var greedy = new GreedySearch(table.Space, 1);
        var simulator = new TableSimulator(table, Objective.Latency, 1, measuredNoise: false);
        var coverage = RecordingPlans.CoverageCount(table.Space);
        var observed = Step(greedy, simulator, coverage);

        var plan = greedy.Propose(1)[0];

        foreach (var layer in table.Space.Layers)
        {
            var lowest = Enumerable.Range(0, layer.Choices.Count)
                .Select(c => observed.Where(r => r.Plan[layer.Index] == c).Select(r => r.LayerCosts[layer.Index]).DefaultIfEmpty(double.PositiveInfinity).Min())
                .ToList();
            Assert.Equal(lowest.IndexOf(lowest.Min()), plan[layer.Index]);
        }
    }

    [Fact]
    public void Greedy_then_tries_single_switches_to_the_next_best_choice()
    {
        var table = Problem();
        var greedy = new GreedySearch(table.Space, 1);
        var simulator = new TableSimulator(table, Objective.Latency, 1, measuredNoise: false);
        Step(greedy, simulator, RecordingPlans.CoverageCount(table.Space));
        var best = Step(greedy, simulator, 1)[0].Plan;

        var next = greedy.Propose(3);

        Assert.All(next, p => Assert.Equal(1, Enumerable.Range(0, p.Count).Count(i => p[i] != best[i])));
    }

    [Theory]
    [InlineData(true, false, 0.0)]
    [InlineData(false, false, 0.0)]
    [InlineData(true, true, 0.0)]
    [InlineData(true, false, 0.2)]
    [InlineData(true, true, 0.5)]
    public void Q_learning_finds_the_dp_optimum_of_a_small_noise_free_table(bool estimateConversions, bool averageRewards, double blockMoveRate)
    {
        // Averaged rewards with half the episodes block moves: at the default alpha (0.1) the greedy policy settles on
        // another plan of this branched graph (its state is not Markov there) while the pick is still the optimum; at
        // QS-DNN's 0.05 it settles on the optimum too.
        var alpha = averageRewards && blockMoveRate > 0.2 ? 0.05 : QLearningOptions.Default.LearningRate;
        var random = new SplitMix64(11);
        var table = RandomProblems.Table(random, RandomProblems.Space(random, 8, branches: true));
        var optimum = new ExactDp(table).Solve(Objective.Latency);
        var simulator = new TableSimulator(table, Objective.Latency, 1, measuredNoise: false);
        var q = new QLearningStrategy(table.Space, 1, 400, new QLearningOptions(LearningRate: alpha, EpsilonFloor: 0.05, EstimateConversions: estimateConversions, AverageRewards: averageRewards, BlockMoveRate: blockMoveRate));

        var trace = SimulationRun.Execute(q, simulator, 400);
        var next = q.Propose(20);

        Assert.Equal(optimum.Cost, trace.PickedTrueCost[^1], 9);
        // Once epsilon is at its floor (0.05 per layer) the policy mostly exploits what it learned: the optimum (less
        // often with block moves, which leave the greedy plan in a block of layers).
        Assert.InRange(next.Count(p => Math.Abs(simulator.Truth.Predict(p).Cost - optimum.Cost) < 1e-9), blockMoveRate > 0 ? 5 : 10, 20);
    }

    [Fact]
    public void Q_learning_with_averaged_rewards_resumes_exactly_from_a_saved_state()
    {
        // The per state-action reward sums are not saved but rebuilt from the stored episodes: the rebuild must match.
        var table = Problem();
        var options = new QLearningOptions(AverageRewards: true);
        var simulator = new TableSimulator(table, Objective.Latency, 5);
        var uninterrupted = new QLearningStrategy(table.Space, 3, Budget, options);
        Step(uninterrupted, simulator, 40);
        var restored = new QLearningStrategy(table.Space, 99, Budget, options);
        restored.RestoreState(uninterrupted.SaveState());
        AssertContinueAlike(uninterrupted, restored, simulator);
    }

    [Fact]
    public void Q_learning_never_proposes_a_choice_that_failed_again()
    {
        var table = Problem();
        var q = new QLearningStrategy(table.Space, 1, 100);
        var plan = q.Propose(1)[0];
        q.Observe([new EpisodeResult(plan, [], double.PositiveInfinity, FailedLayer: 2)]);

        Assert.DoesNotContain(q.Propose(100), p => p[2] == plan[2]);
    }

    [Fact]
    public void Epsilon_explores_first_then_steps_down_to_its_floor()
    {
        var options = new QLearningOptions(ExplorationShare: 0.1, DecayStepShare: 0.1, EpsilonStep: 0.25, EpsilonFloor: 0.05);

        Assert.Equal([1.0, 1.0, 0.75, 0.5, 0.25, 0.05, 0.05], [.. new[] { 0, 99, 100, 200, 300, 400, 999 }.Select(e => options.Epsilon(e, 1000))]);
    }

    [Fact]
    public void Learning_is_fast_for_the_first_tenth_of_the_budget_then_at_the_slow_rate()
    {
        var options = QLearningOptions.Default;

        Assert.Equal([true, true, false, false], [.. new[] { 1, 100, 101, 1000 }.Select(e => options.Fast(e, 1000))]);
        Assert.Equal([0.5, 0.5, 0.1, 0.1], [.. new[] { 1, 100, 101, 1000 }.Select(e => options.Alpha(e, 1000))]);
        Assert.False((options with { FastShare = 0 }).Fast(1, 1000));
    }

    [Theory]
    [InlineData(10)]
    [InlineData(130)]
    public void Q_learning_resumes_exactly_across_a_change_of_phase(int restoredAt)
    {
        // Restored at episode 10 or 130 of 200 and continued for 50: the fast phase (the first 20) ends, or the tail
        // (the last 60, its incumbent rebuilt from the stored episodes) starts, after the restore.
        var table = Problem();
        var simulator = new TableSimulator(table, Objective.Latency, 5);
        var uninterrupted = new QLearningStrategy(table.Space, 3, Budget);
        Step(uninterrupted, simulator, restoredAt);
        var restored = new QLearningStrategy(table.Space, 99, Budget);
        restored.RestoreState(uninterrupted.SaveState());
        AssertContinueAlike(uninterrupted, restored, simulator);
    }

    [Fact]
    public void Epsilon_drops_below_its_floor_for_the_exploitation_tail()
    {
        var options = QLearningOptions.Default;

        Assert.Equal([0.15, 0.05, 0.05], [.. new[] { 699, 700, 999 }.Select(e => options.Epsilon(e, 1000))]);
        Assert.Equal(0.15, (options with { TailShare = 0 }).Epsilon(999, 1000));
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(0.0)]
    public void In_the_tail_block_moves_switch_a_run_of_the_incumbent_plan(double tailShare)
    {
        // Every episode a block move of at most 2 layers. After 3 episodes the greedy policy still prefers untried
        // choices, so its plan is not the incumbent (SimulationRun's pick after its last episode: the same pooled means).
        // In the tail each proposal is the incumbent with at most 2 consecutive layers changed; without one it is not.
        var table = Problem();
        var options = new QLearningOptions(BlockMoveRate: 1, BlockMoveLength: 2, TailShare: tailShare);
        var q = new QLearningStrategy(table.Space, 4, Budget, options);
        var incumbent = SimulationRun.Execute(q, new TableSimulator(table, Objective.Latency, 2), 3).Picked!;

        var changed = q.Propose(30).Select(p => Enumerable.Range(0, p.Count).Where(i => p[i] != incumbent[i]).ToArray()).ToList();

        Assert.Equal(tailShare > 0, changed.All(layers => layers.Length == 0 || layers[^1] - layers[0] < 2));
        Assert.Contains(changed, layers => layers.Length > 0);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Untried_choices_are_first_tried_without_converting_their_inputs(bool tieBreakInFormat)
    {
        // Epsilon 0 and no block moves: the first plan is the greedy policy's, and every choice is untried (a tie).
        var table = Problem();
        var options = new QLearningOptions(EpsilonStep: 1, EpsilonFloor: 0, BlockMoveRate: 0, TieBreakInFormat: tieBreakInFormat);
        var avoidable = Enumerable.Range(1, 10).Sum(seed =>
        {
            var plan = new QLearningStrategy(table.Space, (ulong)seed, Budget, options).Propose(1)[0];
            return table.Space.Layers.Count(layer =>
            {
                var from = table.Space.InputFormats(plan, layer.Index);
                return MeasurementTable.NeedsConversion(layer, from, layer.Choices[plan[layer.Index]].Format)
                    && layer.Choices.Any(c => !MeasurementTable.NeedsConversion(layer, from, c.Format));
            });
        });

        // Without the tie-break, a random choice among a layer's untried ones converts wherever formats differ.
        Assert.True(tieBreakInFormat ? avoidable == 0 : avoidable > 0, $"{avoidable} avoidable conversions in 10 first plans");
    }

    private static MeasurementTable Problem()
    {
        var random = new SplitMix64(42);
        return RandomProblems.Table(random, RandomProblems.Space(random, 7, branches: true));
    }

    private static List<CandidatePlan> Run(ISearchStrategy strategy, MeasurementTable table, int episodes)
    {
        var simulator = new TableSimulator(table, Objective.Latency, 1);
        return [.. Enumerable.Range(0, episodes / 10).SelectMany(_ => Step(strategy, simulator, 10).Select(r => r.Plan))];
    }

    private static List<EpisodeResult> Step(ISearchStrategy strategy, TableSimulator simulator, int count)
    {
        var results = strategy.Propose(count).Select(simulator.Measure).ToList();
        strategy.Observe(results);
        return results;
    }

    /// <summary>Five more batches: the restored strategy proposes what the uninterrupted one does, and ends in the same state.</summary>
    private static void AssertContinueAlike(ISearchStrategy uninterrupted, ISearchStrategy restored, TableSimulator simulator)
    {
        for (var k = 0; k < 5; k++)
        {
            var plans = uninterrupted.Propose(10);
            Assert.Equal(plans, restored.Propose(10));
            var measured = plans.Select(simulator.Measure).ToList();
            uninterrupted.Observe(measured);
            restored.Observe(measured);
        }

        Assert.Equal(uninterrupted.SaveState(), restored.SaveState());
    }
}
