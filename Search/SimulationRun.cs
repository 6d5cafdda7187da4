namespace Dsx.Search;

/// <summary>
/// Drives a strategy against a <see cref="TableSimulator"/> in batches and records, after every episode, which plan the
/// search would pick by what it observed (lowest mean observed cost over its measurements, as a caller tracking the
/// best plan would) and what that plan truly costs.
/// </summary>
public static class SimulationRun
{
    public static SimulationTrace Execute(ISearchStrategy strategy, TableSimulator simulator, int episodes, int batch = 1)
    {
        ArgumentNullException.ThrowIfNull(strategy);
        ArgumentNullException.ThrowIfNull(simulator);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(episodes);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batch);
        var observed = new Dictionary<CandidatePlan, (double Sum, int Count)>();
        var picked = new double[episodes];
        CandidatePlan? best = null;
        var bestTrueCost = double.NaN;
        var done = 0;
        while (done < episodes)
        {
            var plans = strategy.Propose(Math.Min(batch, episodes - done));
            var results = plans.Select(simulator.Measure).ToList();
            strategy.Observe(results);
            foreach (var result in results)
            {
                if (!result.Failed)
                {
                    var (sum, count) = observed.GetValueOrDefault(result.Plan);
                    observed[result.Plan] = (sum + result.TotalCost, count + 1);
                    var now = observed.MinBy(o => o.Value.Sum / o.Value.Count).Key;
                    if (!now.Equals(best))
                    {
                        (best, bestTrueCost) = (now, simulator.Truth.Predict(now).Cost);
                    }
                }

                picked[done++] = bestTrueCost;
            }
        }

        return new SimulationTrace(strategy.Name, picked, best);
    }
}
