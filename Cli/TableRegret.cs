namespace Dsx.Cli;

/// <summary>
/// The simulations on one recorded table: the model, the DP optimum they are scored against, the regret of the plan
/// optimal for the simulator's mean costs (<see cref="NoiseFloor"/>: what searches judging by observations tend to),
/// and each strategy's regret.
/// </summary>
internal sealed record TableRegret(string Model, string Path, double Optimum, bool OptimumProven, double NoiseFloor, IReadOnlyList<StrategyRegret> Strategies);
