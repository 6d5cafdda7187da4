namespace Dsx.Search.Tests;

public sealed class ExactDpTests
{
    public static TheoryData<string, bool> Problems => new()
    {
        { "latency", false },
        { "latency", true },
        { "memory", false },
        { "memory", true },
        { "weighted:0.7", false },
        { "weighted:0.7", true },
    };

    [Theory]
    [MemberData(nameof(Problems))]
    public void Equals_brute_force_on_small_random_graphs(string objectiveText, bool branches)
    {
        var objective = Objective.Parse(objectiveText);
        for (var seed = 1UL; seed <= 25; seed++)
        {
            var random = new SplitMix64(seed);
            var space = RandomProblems.Space(random, 3 + random.Next(4), branches);
            var table = RandomProblems.Table(random, space);
            var model = new AdditiveCostModel(table, objective);
            var brute = RandomProblems.AllPlans(space).Min(p => model.Predict(p).Cost);

            var result = new ExactDp(table).Solve(objective);

            Assert.True(result.ProvenOptimal);
            Assert.Equal(brute, result.Cost, 9);
            Assert.Equal(brute, model.Predict(result.Plan).Cost, 9);
        }
    }

    [Fact]
    public void Under_a_memory_cap_returns_a_feasible_plan_and_a_bound_around_the_true_optimum()
    {
        for (var seed = 1UL; seed <= 25; seed++)
        {
            var random = new SplitMix64(seed);
            var space = RandomProblems.Space(random, 3 + random.Next(4), branches: true);
            var table = RandomProblems.Table(random, space);
            var latency = new AdditiveCostModel(table);
            var plans = RandomProblems.AllPlans(space).Select(latency.Predict).ToList();
            // A cap between the smallest plan and the fastest plan's memory: binding, and feasible.
            var smallest = plans.Min(p => p.MemoryBytes);
            var cap = smallest + ((plans.MinBy(p => p.LatencyMs)!.MemoryBytes - smallest) / 2);
            var optimum = plans.Where(p => p.MemoryBytes <= cap).Min(p => p.LatencyMs);

            var result = new ExactDp(table).Solve(Objective.LatencyUnderCap(cap));

            Assert.True(latency.Predict(result.Plan).MemoryBytes <= cap);
            Assert.Equal(latency.Predict(result.Plan).LatencyMs, result.Cost, 9);
            Assert.InRange(optimum, result.LowerBound - 1e-9, result.Cost + 1e-9);
        }
    }

    [Fact]
    public void A_frontier_over_the_state_limit_is_refused_with_a_clear_message()
    {
        var random = new SplitMix64(3);
        var space = RandomProblems.Space(random, 6, branches: true);
        var e = Assert.Throws<DpStateLimitException>(() => new ExactDp(RandomProblems.Table(random, space), stateLimit: 1).Solve(Objective.Latency));
        Assert.Contains("over the limit of 1", e.Message, StringComparison.Ordinal);
    }
}
