namespace Dsx.Cli;

/// <summary>One strategy's simulated searches on one table: regret after every episode (columns) of every seed (rows).</summary>
internal sealed record StrategyRegret(string Strategy, IReadOnlyList<double[]> PerSeed)
{
    public double Mean(int episodes) => PerSeed.Average(r => r[episodes - 1]);

    public double Min(int episodes) => PerSeed.Min(r => r[episodes - 1]);

    public double Max(int episodes) => PerSeed.Max(r => r[episodes - 1]);
}
