namespace Dsx.Cli;

/// <summary>
/// One strategy's simulated searches on one table: regret after every episode (columns) of every seed (rows), and per
/// seed the episodes and board seconds it needed to come within the target of the optimum (null: not within the budget).
/// </summary>
internal sealed record StrategyRegret(string Strategy, IReadOnlyList<double[]> PerSeed, IReadOnlyList<TargetReach> Reach)
{
    public double Mean(int episodes) => PerSeed.Average(r => r[episodes - 1]);

    public double Min(int episodes) => PerSeed.Min(r => r[episodes - 1]);

    public double Max(int episodes) => PerSeed.Max(r => r[episodes - 1]);

    public int Reached => Reach.Count(r => r.Episodes is not null);

    /// <summary>Median over all seeds, a seed that never reached the target counting as worse than any that did; null when half or more never did.</summary>
    public int? MedianEpisodes => Median(Reach.Select(r => r.Episodes is { } e ? e : (double?)null)) is { } m ? (int)Math.Ceiling(m) : null;

    /// <inheritdoc cref="MedianEpisodes"/>
    public double? MedianBoardSeconds => Median(Reach.Select(r => r.BoardSeconds));

    private static double? Median(IEnumerable<double?> values)
    {
        // Not reached sorts last (infinitely late); an even count averages the middle two, so both must be reached.
        var sorted = values.Select(v => v ?? double.PositiveInfinity).Order().ToList();
        if (sorted.Count == 0)
        {
            return null;
        }

        var middle = sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
        return double.IsFinite(middle) ? middle : null;
    }
}
