namespace Dsx.Bench;

/// <summary>Medians, geometric means and paired ratios of interleaved measurements.</summary>
internal static class BenchStats
{
    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count == 0 ? double.NaN
            : sorted.Count % 2 == 1 ? sorted[sorted.Count / 2]
            : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }

    public static double GeoMean(IEnumerable<double> values)
    {
        var list = values.ToList();
        return list.Count == 0 ? double.NaN : Math.Exp(list.Average(Math.Log));
    }

    /// <summary>
    /// The median over rounds of numerator / denominator measured in the same round: on a shared, drifting machine the
    /// two runs of one round saw the same load, so their ratio is steadier than a ratio of medians. NaN if no round has both.
    /// </summary>
    public static double PairedRatio(IReadOnlyDictionary<int, double> numerator, IReadOnlyDictionary<int, double> denominator) =>
        Median(numerator.Where(n => denominator.ContainsKey(n.Key)).Select(n => n.Value / denominator[n.Key]));
}
