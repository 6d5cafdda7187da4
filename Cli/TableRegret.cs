namespace Dsx.Cli;

/// <summary>
/// The simulations on one recorded table: the model, the DP optimum they are scored against (under a memory cap a
/// feasible plan with the relaxation's <see cref="LowerBound"/>, not a proven optimum) and each strategy's regret.
/// </summary>
internal sealed record TableRegret(string Model, string Path, double Optimum, bool OptimumProven, double LowerBound, IReadOnlyList<StrategyRegret> Strategies);
