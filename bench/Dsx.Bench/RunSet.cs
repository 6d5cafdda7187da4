namespace Dsx.Bench;

/// <summary>
/// The interleaved runs of one bench: per model and configuration, medians over rounds and paired ratios. Output paths
/// are relative to <paramref name="directory"/>.
/// </summary>
internal sealed class RunSet(IReadOnlyList<RunRecord> runs, string directory)
{
    public IReadOnlyList<string> Models { get; } = [.. runs.Select(r => r.Model).Distinct()];

    public int Rounds => runs.Count == 0 ? 0 : runs.Max(r => r.Round);

    public bool Has(string model, string config) => runs.Any(r => r.Model == model && r.Config == config);

    /// <summary>Median over rounds of the per-round median latency.</summary>
    public double? Ms(string model, string config) => Has(model, config) ? BenchStats.Median(Of(model, config).Select(r => r.MedianMs)) : null;

    public long? PeakBytes(string model, string config)
    {
        var peaks = Of(model, config).Where(r => r.PeakBytes is not null).Select(r => (double)r.PeakBytes!.Value).ToList();
        return peaks.Count == 0 ? null : (long)BenchStats.Median(peaks);
    }

    /// <summary><paramref name="numerator"/>'s time over <paramref name="denominator"/>'s, paired by round (see <see cref="BenchStats.PairedRatio"/>).</summary>
    public double? Ratio(string model, string numerator, string denominator)
    {
        var ratio = BenchStats.PairedRatio(ByRound(model, numerator), ByRound(model, denominator));
        return double.IsFinite(ratio) ? ratio : null;
    }

    /// <summary><paramref name="config"/>'s output against <paramref name="reference"/>'s, both from the first round that wrote both.</summary>
    public OutputAgreement? Agreement(string model, string config, string reference)
    {
        var outputs = Of(model, reference).Where(r => r.Output is not null).ToDictionary(r => r.Round, r => Path.Combine(directory, r.Output!));
        var first = Of(model, config).Where(r => r.Output is not null && outputs.ContainsKey(r.Round)).MinBy(r => r.Round);
        var path = first is null ? null : Path.Combine(directory, first.Output!);
        return path is null || !File.Exists(path) || !File.Exists(outputs[first!.Round]) ? null : OutputAgreement.CompareFiles(path, outputs[first.Round]);
    }

    private IEnumerable<RunRecord> Of(string model, string config) => runs.Where(r => r.Model == model && r.Config == config);

    private Dictionary<int, double> ByRound(string model, string config) =>
        Of(model, config).GroupBy(r => r.Round).ToDictionary(g => g.Key, g => g.First().MedianMs);
}
