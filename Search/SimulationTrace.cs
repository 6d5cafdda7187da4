namespace Dsx.Search;

/// <summary>
/// One simulated search: after every episode, the true (noise-free) cost of the plan the search would pick then, the
/// plan with the lowest mean observed cost so far (NaN before the first successful episode), and the board time spent
/// so far in ms (each distinct plan's first measurement, one run of it).
/// </summary>
public sealed record SimulationTrace(string Strategy, IReadOnlyList<double> PickedTrueCost, CandidatePlan? Picked, IReadOnlyList<double> BoardMs)
{
    /// <summary>Regret after <paramref name="episodes"/> episodes: the picked plan's true cost over the optimum, minus 1.</summary>
    public double Regret(int episodes, double optimum) => (PickedTrueCost[episodes - 1] / optimum) - 1;

    /// <summary>
    /// The episode count from which on the pick stays within <paramref name="tolerance"/> of <paramref name="optimum"/>
    /// (cost at most optimum x (1 + tolerance)) to the end of the trace; null if the last pick is not within it. A search
    /// that touches the target once and then picks a worse plan has not reached it: that is the pick a user would get.
    /// </summary>
    public int? EpisodesToReach(double optimum, double tolerance)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(tolerance);
        var limit = optimum * (1 + tolerance);
        int? reached = null;
        for (var e = PickedTrueCost.Count; e >= 1 && PickedTrueCost[e - 1] <= limit; e--)
        {
            reached = e;
        }

        return reached;
    }
}
