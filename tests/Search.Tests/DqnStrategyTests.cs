using Dsx.Wire;
using Dsx.Search.Tests.Evaluation;

namespace Dsx.Search.Tests;

public sealed class DqnStrategyTests
{
    private static readonly DqnOptions Small = new() { EpisodeBudget = 60, BatchSize = 32, UpdatesPerEpisode = 4, TargetSyncUpdates = 20 };

    /// <summary>Proposes and observes <paramref name="episodes"/> episodes, <paramref name="batch"/> at a time; returns the plans proposed.</summary>
    private static List<CandidatePlan> Run(DqnStrategy strategy, AdditiveCostModel model, int episodes, int batch = 2)
    {
        var proposed = new List<CandidatePlan>();
        while (proposed.Count < episodes)
        {
            var plans = strategy.Propose(Math.Min(batch, episodes - proposed.Count));
            strategy.Observe([.. plans.Select(p => NoiseFreeEpisodes.Play(model, p))]);
            proposed.AddRange(plans);
        }

        return proposed;
    }

    [Fact]
    public void Same_seed_makes_the_same_proposals_and_another_seed_others()
    {
        var model = SyntheticTables.Build(6, seed: 1);
        using var a = new DqnStrategy(model.Space, 7, Small);
        using var b = new DqnStrategy(model.Space, 7, Small);
        using var c = new DqnStrategy(model.Space, 8, Small);

        var fromA = Run(a, model, 40);

        Assert.Equal(fromA, Run(b, model, 40));
        Assert.NotEqual(fromA, Run(c, model, 40));
    }

    public static TheoryData<bool> WithMoves => [false, true];

    // With moves, block moves go around the best plan, which the state must carry.
    [Theory]
    [MemberData(nameof(WithMoves))]
    public void Restored_state_continues_exactly_where_it_was_saved(bool moves)
    {
        var model = SyntheticTables.Build(6, seed: 2, residualEvery: 3);
        var options = moves ? Small with { Moves = new ExplorationMoves(BlockMoveRate: 0.5), BlockMovesAroundBest = true } : Small;
        using var original = new DqnStrategy(model.Space, 11, options);
        Run(original, model, 30);
        var state = original.SaveState();
        using var resumed = new DqnStrategy(model.Space, 99, options);
        resumed.RestoreState(state);

        Assert.Equal(Run(original, model, 30), Run(resumed, model, 30));
        Assert.Equal(original.SaveState(), resumed.SaveState());
    }

    // The target network's values are kept per (layer, input formats) until a sync and are not in the state: with no sync
    // in the run, the original learns from kept values and the resumed one scores them afresh, and they must agree.
    [Fact]
    public void Restored_state_between_target_syncs_learns_as_the_original_does()
    {
        var model = SyntheticTables.Build(6, seed: 3, residualEvery: 3);
        var options = Small with { TargetSyncUpdates = 100_000 };
        using var original = new DqnStrategy(model.Space, 5, options);
        Run(original, model, 30);
        using var resumed = new DqnStrategy(model.Space, 6, options);
        resumed.RestoreState(original.SaveState());

        Assert.Equal(Run(original, model, 30), Run(resumed, model, 30));
        Assert.Equal(original.SaveState(), resumed.SaveState());
    }

    public static TheoryData<ulong, int, ulong> SmallTables => new() { { 3, 0, 5 }, { 3, 3, 5 }, { 7, 3, 1 }, { 8, 3, 2 } };

    // Chains and tables with skip connections (residualEvery: every so many layers an Add also reads the layer two back).
    [Theory]
    [MemberData(nameof(SmallTables))]
    public void Finds_the_optimum_of_a_small_noise_free_table(ulong tableSeed, int residualEvery, ulong learnerSeed)
    {
        var model = SyntheticTables.Build(8, seed: tableSeed, residualEvery: residualEvery);
        var optimum = new ExactDp(model.Table).Solve(model.Objective).Cost;
        using var dqn = new DqnStrategy(model.Space, learnerSeed, new DqnOptions { EpisodeBudget = 200 });

        var plans = Run(dqn, model, 200, batch: 4);

        // 4^8 = 65536 plans: 200 random episodes would find the optimum with probability 0.3 %.
        Assert.Equal(optimum, plans.Min(p => model.Predict(p).Cost), 9);
    }

    [Fact]
    public void Measured_costs_rank_choices_the_network_cannot_tell_apart_and_stay_out_of_the_weights()
    {
        // Two kernels outside the primitive vocabulary in one format: identical feature rows, so the network alone gives
        // them one predicted cost, whatever their measured costs. The measured means and the future table, kept per
        // (layer, input formats, choice), must make the greedy plan the optimum; the saved weights alone must not carry it.
        LayerChoice[] twins = [new("kernel_a", Layout.Nchw, Precision.Fp32, 1), new("kernel_b", Layout.Nchw, Precision.Fp32, 1), new("xnnpack", Layout.Nhwc, Precision.Fp32, 1)];
        var model = SyntheticTables.Build(8, seed: 6, choices: twins);
        var optimum = new ExactDp(model.Table).Solve(model.Objective).Cost;
        using var learner = new DqnStrategy(model.Space, 3, new DqnOptions { EpisodeBudget = 120, EpsilonEnd = 0 });
        Run(learner, model, 120);

        Assert.Equal(optimum, model.Predict(learner.Propose(1)[0]).Cost, 9);
        var weights = Path.GetTempFileName();
        try
        {
            learner.SaveWeights(weights);
            using var networkOnly = new DqnStrategy(model.Space, 3, new DqnOptions { EpsilonStart = 0, EpsilonEnd = 0, InitialWeightsPath = weights });
            Assert.True(model.Predict(networkOnly.Propose(1)[0]).Cost > optimum * (1 + 1e-6));
        }
        finally
        {
            File.Delete(weights);
        }
    }

    public static TheoryData<double[], bool> MeasurementsOfTheFavourite => new()
    {
        // Noisy (+-22 % in log): B's one measurement, 10 % above A's mean, may have been bad luck; B is measured again.
        { [0.8, 1.25, 0.8, 1.25, 0.8, 1.25], true },
        // The same mean with no spread: B's measurement is to be believed; the learner stays with A.
        { [1.025, 1.025, 1.025, 1.025, 1.025, 1.025], false },
    };

    [Theory]
    [MemberData(nameof(MeasurementsOfTheFavourite))]
    public void A_choice_measured_once_above_the_favourite_is_measured_again_only_if_measurements_are_noisy(double[] costsOfA, bool expectB)
    {
        // One layer, two kernels the network cannot tell apart (identical feature rows): only the measurements rank them.
        LayerChoice[] twins = [new("kernel_a", Layout.Nchw, Precision.Fp32, 1), new("kernel_b", Layout.Nchw, Precision.Fp32, 1)];
        var space = SyntheticTables.Build(1, seed: 1, choices: twins).Space;
        using var learner = new DqnStrategy(space, 5, new DqnOptions { EpsilonStart = 0, EpsilonEnd = 0 });
        var (a, b) = (new CandidatePlan([0]), new CandidatePlan([1]));
        learner.Observe([.. costsOfA.Select(cost => new EpisodeResult(a, [cost], cost)), new EpisodeResult(b, [1.1], 1.1)]);

        Assert.Equal(expectB ? b : a, learner.Propose(1)[0]);
    }

    [Fact]
    public void Saved_weights_load_into_a_learner_over_another_space_and_save_back_identically()
    {
        var source = SyntheticTables.Build(6, seed: 4);
        var other = SyntheticTables.Build(9, seed: 5, residualEvery: 4);
        using var trained = new DqnStrategy(source.Space, 3, Small);
        Run(trained, source, 30);
        var first = Path.GetTempFileName();
        var second = Path.GetTempFileName();
        try
        {
            trained.SaveWeights(first);
            var greedy = new DqnOptions { EpsilonStart = 0, EpsilonEnd = 0, InitialWeightsPath = first };
            using var loadedA = new DqnStrategy(other.Space, 1, greedy);
            using var loadedB = new DqnStrategy(other.Space, 2, greedy);
            loadedA.SaveWeights(second);

            Assert.Equal(File.ReadAllBytes(first), File.ReadAllBytes(second));
            // Greedy proposals depend on the weights alone, not on the seed the learner was built with.
            Assert.Equal(loadedA.Propose(1), loadedB.Propose(1));
            Assert.Throws<InvalidDataException>(() => new DqnStrategy(other.Space, 1, greedy with { HiddenUnits = 32 }));

            // Weights of the network that fitted the whole Q mean something else: refused, saying so.
            using (var writer = new BinaryWriter(File.Create(second)))
            {
                writer.Write("dsx-dqn-weights/1");
            }

            var refused = Assert.Throws<InvalidDataException>(() => new DqnStrategy(other.Space, 1, greedy with { InitialWeightsPath = second }));
            Assert.Contains("another version (dsx-dqn-weights/1", refused.Message);

            // A file cut short inside the weights, and one too short for a header: named, not an end-of-stream error.
            File.WriteAllBytes(second, File.ReadAllBytes(first)[..^10]);
            Assert.Contains("is cut short", Assert.Throws<InvalidDataException>(() => new DqnStrategy(other.Space, 1, greedy with { InitialWeightsPath = second })).Message);
            File.WriteAllBytes(second, [0x7b]);
            Assert.Contains("is not a DQN weights file", Assert.Throws<InvalidDataException>(() => new DqnStrategy(other.Space, 1, greedy with { InitialWeightsPath = second })).Message);
        }
        finally
        {
            File.Delete(first);
            File.Delete(second);
        }
    }

    [Fact]
    public void Factory_refuses_dqn_weights_for_another_strategy()
    {
        var model = SyntheticTables.Build(3, seed: 7);

        var refused = Assert.Throws<ArgumentException>(() => StrategyFactory.Create("qlearning", model.Space, 1, 100, dqnWeights: "weights.bin"));

        Assert.Contains("dqn strategy only, not qlearning", refused.Message);
    }

    [Fact]
    public void Factory_knows_dqn()
    {
        var model = SyntheticTables.Build(3, seed: 7);

        var strategy = StrategyFactory.Create("dqn", model.Space, 1, 100);
        using var _ = strategy as IDisposable;

        Assert.Equal("dqn", strategy.Name);
        Assert.Contains("dqn", StrategyFactory.Names);
    }

    [Fact]
    public void Same_seed_is_reproducible_whatever_the_managed_heap_layout()
    {
        // The default options over StrategyTests' branching problem, whose layers have choices with identical
        // feature rows (near-ties). The first learner runs with odd-sized garbage allocated between its calls, so
        // the managed arrays it hands to torch sit at other alignments than the second's; the second, fed the same
        // results, must make the same proposals and end in the same state, bit for bit.
        var random = new SplitMix64(42);
        var table = RandomProblems.Table(random, RandomProblems.Space(random, 7, branches: true));
        var simulator = new TableSimulator(table, Objective.Latency, 1);
        var options = new DqnOptions { EpisodeBudget = 200 };
        using var a = new DqnStrategy(table.Space, 7, options);
        using var b = new DqnStrategy(table.Space, 7, options);
        var steps = new List<(IReadOnlyList<CandidatePlan> Plans, List<EpisodeResult> Results)>();
        var garbage = new List<byte[]>();
        for (var k = 0; k < 8; k++)
        {
            var plans = a.Propose(10);
            garbage.Add(new byte[(k * 13) + 5]);
            var results = plans.Select(simulator.Measure).ToList();
            a.Observe(results);
            garbage.Add(new byte[(k * 7) + 1]);
            steps.Add((plans, results));
        }

        GC.KeepAlive(garbage);
        foreach (var (plans, results) in steps)
        {
            Assert.Equal(plans, b.Propose(10));
            b.Observe(results);
        }

        Assert.Equal(a.SaveState(), b.SaveState());
    }
}
