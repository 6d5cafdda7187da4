namespace Dsx.Search;

/// <summary>
/// Drives a strategy against a <see cref="TableSimulator"/> as <see cref="Exploration"/> drives it against a farm, and
/// records, after every episode, which plan the search would pick and what that plan truly costs. Up to
/// <c>batch</c> plans are out at once, each on a board of its own (a sliding window): the plan whose board finishes
/// first (at its drawn board time) is observed on its own, and the strategy proposes the next one then; a plan proposed
/// before is a table answer and comes back at once. A batch of 1 observes each plan before proposing again. The pick is made as <see cref="Exploration"/> makes it: among the
/// plans measured so far, the one the observations predict cheapest, where a layer's cost under a choice and its inputs'
/// formats is the mean of every episode that observed it. Judging plans by their own single (noisy) measurement instead
/// would crown lucky draws; pooling per layer is what the real loop's table and confirmation do.
/// </summary>
public static class SimulationRun
{
    public static SimulationTrace Execute(ISearchStrategy strategy, TableSimulator simulator, int episodes, int batch = 1)
    {
        ArgumentNullException.ThrowIfNull(strategy);
        ArgumentNullException.ThrowIfNull(simulator);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(episodes);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batch);
        var space = simulator.Truth.Space;
        var formats = space.Formats.Select((f, i) => (f, i)).ToDictionary(x => x.f, x => x.i);
        var entries = new Dictionary<(int Layer, int Choice, long From), (double Sum, int Count)>();
        // Per measured plan: its entries' keys, and its whole-plan penalty (a memory cap's), which is not per layer.
        var plans = new Dictionary<CandidatePlan, ((int, int, long)[] Keys, double Penalty)>();
        var picked = new double[episodes];
        // Board time spent so far: a plan measured before is answered from the table in the real loop, so only a plan's
        // first measurement costs the board.
        var boardMs = new double[episodes];
        var spent = 0.0;
        CandidatePlan? best = null;
        var bestTrueCost = double.NaN;
        var done = 0;
        var nextPick = 1;
        // In flight: results ordered by when their board finishes (ties in the order proposed); the clock is board time
        // on the farm, so a plan started when another came back finishes its own run later.
        var inFlight = new PriorityQueue<(EpisodeResult Result, double Ms), (double Finish, int Order)>();
        var proposed = new HashSet<CandidatePlan>();
        var clock = 0.0;
        var order = 0;
        while (done < episodes)
        {
            var free = Math.Min(batch - inFlight.Count, episodes - done - inFlight.Count);
            foreach (var plan in free > 0 ? strategy.Propose(free) : [])
            {
                var (measured, ms) = simulator.MeasureTimed(plan);
                var boardRun = proposed.Add(plan) ? ms : 0;
                inFlight.Enqueue((measured, boardRun), (clock + boardRun, order++));
            }

            inFlight.TryDequeue(out var back, out var at);
            clock = at.Finish;
            var result = back.Result;
            strategy.Observe([result]);
            spent += back.Ms;
            if (!result.Failed)
            {
                var keys = new (int, int, long)[result.Plan.Count];
                for (var i = 0; i < keys.Length; i++)
                {
                    var from = 0L;
                    foreach (var format in space.InputFormats(result.Plan, i))
                    {
                        from = (from * formats.Count) + formats[format];
                    }

                    keys[i] = (i, result.Plan[i], from);
                    var (sum, count) = entries.GetValueOrDefault(keys[i]);
                    entries[keys[i]] = (sum + result.LayerCosts[i], count + 1);
                }

                plans.TryAdd(result.Plan, (keys, result.TotalCost - result.LayerCosts.Sum()));
            }

            done++;
            // Re-picking costs a pass over every measured plan: do it at log-spaced episodes (and the last), carry it between.
            if (done >= nextPick || done == episodes)
            {
                var now = plans.Count == 0 ? null : plans.MinBy(p => p.Value.Penalty + p.Value.Keys.Sum(k => entries[k].Sum / entries[k].Count)).Key;
                if (now is not null && !now.Equals(best))
                {
                    (best, bestTrueCost) = (now, simulator.Truth.Predict(now).Cost);
                }

                nextPick = Math.Max(done + 1, (int)(done * 1.02));
            }

            picked[done - 1] = bestTrueCost;
            boardMs[done - 1] = spent;
        }

        // Between re-picks the pick is the last one made: fill forward.
        for (var e = 1; e < episodes; e++)
        {
            if (double.IsNaN(picked[e]))
            {
                picked[e] = picked[e - 1];
            }
        }

        return new SimulationTrace(strategy.Name, picked, best, boardMs);
    }
}
