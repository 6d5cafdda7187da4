using Dsx.Wire;

namespace Dsx.Search.Tests;

public sealed class TableSimulatorTests
{
    [Fact]
    public void Same_seed_same_measurements_and_the_noise_stays_near_the_estimates()
    {
        var random = new SplitMix64(4);
        var table = RandomProblems.Table(random, RandomProblems.Space(random, 6, branches: true));
        var plans = RandomProblems.AllPlans(table.Space).Take(50).ToList();
        var a = new TableSimulator(table, Objective.Latency, 9);
        var b = new TableSimulator(table, Objective.Latency, 9);
        var c = new TableSimulator(table, Objective.Latency, 10);

        var first = plans.Select(a.Measure).Select(r => r.TotalCost).ToList();

        Assert.Equal(first, plans.Select(b.Measure).Select(r => r.TotalCost));
        Assert.NotEqual(first, plans.Select(c.Measure).Select(r => r.TotalCost));
        var ratios = plans.Select((p, i) => first[i] / a.Truth.Predict(p).Cost).ToList();
        Assert.InRange(ratios.Average(), 0.8, 1.25);
    }

    [Fact]
    public void Without_noise_an_episode_costs_what_the_additive_model_predicts()
    {
        var random = new SplitMix64(5);
        var table = RandomProblems.Table(random, RandomProblems.Space(random, 6, branches: true));
        var simulator = new TableSimulator(table, Objective.Weighted(0.5), 1, measuredNoise: false);

        foreach (var plan in RandomProblems.AllPlans(table.Space).Take(100))
        {
            var result = simulator.Measure(plan);
            var prediction = simulator.Truth.Predict(plan);
            Assert.Equal(prediction.Cost, result.TotalCost, 9);
            Assert.Equal(prediction.Cost, result.LayerCosts.Sum(), 9);
        }
    }

    [Fact]
    public void A_choice_never_measured_fails_the_episode_at_its_layer()
    {
        var random = new SplitMix64(6);
        var space = RandomProblems.Space(random, 4, branches: false);
        var table = new MeasurementTable(space, new BoardDescription("test", "x86", false, "0", 1));
        foreach (var layer in space.Layers.Where(l => l.Index != 2))
        {
            table.SetCompute(layer.Index, 0, RandomProblems.Stat(random, 1));
        }

        var result = new TableSimulator(table, Objective.Latency, 1).Measure(new CandidatePlan([0, 0, 0, 0]));

        Assert.Equal(2, result.FailedLayer);
    }

    [Fact]
    public void The_search_picks_the_plan_with_the_lowest_mean_observed_cost()
    {
        var random = new SplitMix64(7);
        var table = RandomProblems.Table(random, RandomProblems.Space(random, 5, branches: true));
        var simulator = new TableSimulator(table, Objective.Latency, 1, measuredNoise: false);

        var trace = SimulationRun.Execute(new RandomSearch(table.Space, 1), simulator, 40, batch: 7);

        Assert.Equal(40, trace.PickedTrueCost.Count);
        Assert.True(trace.PickedTrueCost.Zip(trace.PickedTrueCost.Skip(1)).All(p => p.Second <= p.First));
        Assert.Equal(simulator.Truth.Predict(trace.Picked!).Cost, trace.PickedTrueCost[^1]);
    }

    [Fact]
    public void Board_time_counts_each_distinct_plan_once_at_its_measured_time()
    {
        var random = new SplitMix64(8);
        var table = RandomProblems.Table(random, RandomProblems.Space(random, 4, branches: false));
        var simulator = new TableSimulator(table, Objective.Weighted(0.5), 1, measuredNoise: false);
        var plan = RandomProblems.AllPlans(table.Space).First();
        // A strategy that proposes one plan over and over: the board runs it once, later episodes are table answers.
        var trace = SimulationRun.Execute(new RepeatingStrategy(plan), simulator, 5);

        // Under a weighted objective the cost carries a memory term; board time is the plan's milliseconds only.
        var ms = new TableSimulator(table, Objective.Latency, 1, measuredNoise: false).Truth.Predict(plan).Cost;
        Assert.All(trace.BoardMs, b => Assert.Equal(ms, b, 9));
        Assert.True(simulator.Truth.Predict(plan).Cost > ms);
    }

    [Fact]
    public void A_search_reaches_the_target_only_from_where_its_pick_stays_within_it()
    {
        var trace = new SimulationTrace("test", [double.NaN, 120, 100.5, 103, 100.9, 100], null, [0, 1, 2, 3, 4, 5]);

        Assert.Equal(5, trace.EpisodesToReach(100, 0.01));
        Assert.Equal(3, trace.EpisodesToReach(100, 0.05));
        Assert.Equal(6, trace.EpisodesToReach(100, 0));
        Assert.Null(new SimulationTrace("test", [100, 102], null, [0, 1]).EpisodesToReach(100, 0.01));
    }

    [Fact]
    public void Plans_come_back_as_their_boards_finish_and_each_free_board_gets_the_next_plan()
    {
        // One layer, four choices: one slow (10 ms) and three fast (1, 1.5, 2 ms) plans.
        var choices = Enumerable.Range(0, 4).Select(c => new LayerChoice($"p{c}", Layout.Nchw, Precision.Fp32, 1)).ToList();
        var space = new SearchSpace("window", [new SearchLayer(0, "l0", OpType.Conv, 1e6, [1, 4, 4, 4], [SearchLayer.GraphInput], [64], true, choices)]);
        var table = new MeasurementTable(space, new BoardDescription("test", "x86", false, "0", 1));
        double[] ms = [10, 1, 1.5, 2];
        for (var c = 0; c < ms.Length; c++)
        {
            var stat = new TimingStat();
            stat.Add(ms[c], ms[c], ms[c], 0);
            table.SetCompute(0, c, stat);
            table.SetMemory(0, c, new LayerMemory(1, 1, 1));
        }

        var (slow, fast, faster, fastest) = (new CandidatePlan([0]), new CandidatePlan([1]), new CandidatePlan([2]), new CandidatePlan([3]));
        var strategy = new ListStrategy([slow, fast, faster, fastest]);
        var simulator = new TableSimulator(table, Objective.Latency, 1, measuredNoise: false);

        SimulationRun.Execute(strategy, simulator, 4, batch: 2);

        // Two boards: the slow plan holds one while the other runs the three fast ones in turn (1 + 1.5 + 2 < 10 ms),
        // each proposed when the previous came back.
        Assert.Equal([2, 1, 1], strategy.Asked);
        Assert.Equal([fast, faster, fastest, slow], strategy.Seen);
    }

    private sealed class RepeatingStrategy(CandidatePlan plan) : ISearchStrategy
    {
        public string Name => "repeat";

        public IReadOnlyList<CandidatePlan> Propose(int count) => [.. Enumerable.Repeat(plan, count)];

        public void Observe(IReadOnlyList<EpisodeResult> results)
        {
        }

        public byte[] SaveState() => [];

        public void RestoreState(byte[] state)
        {
        }
    }

    private sealed class ListStrategy(IReadOnlyList<CandidatePlan> plans) : ISearchStrategy
    {
        public List<int> Asked { get; } = [];

        public List<CandidatePlan> Seen { get; } = [];

        public string Name => "list";

        public IReadOnlyList<CandidatePlan> Propose(int count)
        {
            Asked.Add(count);
            return [.. plans.Skip(Asked.Sum() - count).Take(count)];
        }

        public void Observe(IReadOnlyList<EpisodeResult> results) => Seen.AddRange(results.Select(r => r.Plan));

        public byte[] SaveState() => [];

        public void RestoreState(byte[] state)
        {
        }
    }
}
