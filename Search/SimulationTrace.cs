namespace Dsx.Search;

/// <summary>
/// One simulated search: after every episode, the true (noise-free) cost of the plan the search would pick then, the
/// plan with the lowest mean observed cost so far (NaN before the first successful episode).
/// </summary>
public sealed record SimulationTrace(string Strategy, IReadOnlyList<double> PickedTrueCost, CandidatePlan? Picked)
{
    /// <summary>Regret after <paramref name="episodes"/> episodes: the picked plan's true cost over the optimum, minus 1.</summary>
    public double Regret(int episodes, double optimum) => (PickedTrueCost[episodes - 1] / optimum) - 1;
}
