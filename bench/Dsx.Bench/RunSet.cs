using System.Text.Json;

namespace Dsx.Bench;

/// <summary>
/// The interleaved runs of one bench: per model and configuration, medians over rounds and paired ratios. Output paths
/// are relative to <paramref name="directory"/>. The outputs are large and not committed, so every agreement computed
/// from them is also kept in <c>agreement.json</c> there (<see cref="SaveAgreements"/>): a report written again where
/// the outputs are gone (a clone, or <c>bench/run --phases search</c>) still has them. bench/run deletes that file with
/// the runs when it measures again.
/// </summary>
internal sealed class RunSet(IReadOnlyList<RunRecord> runs, string directory)
{
    private const string AgreementFile = "agreement.json";

    private static readonly JsonSerializerOptions SaveOptions = new() { WriteIndented = true };

    private readonly Dictionary<string, OutputAgreement> _agreements = LoadAgreements(Path.Combine(directory, AgreementFile));

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
        var key = $"{model} {config} {reference}";
        if (path is not null && File.Exists(path) && File.Exists(outputs[first!.Round]))
        {
            _agreements[key] = OutputAgreement.CompareFiles(path, outputs[first.Round]);
        }

        return _agreements.GetValueOrDefault(key);
    }

    /// <summary>Writes every agreement known (computed or kept) to <c>agreement.json</c>.</summary>
    public void SaveAgreements()
    {
        if (_agreements.Count > 0)
        {
            File.WriteAllText(Path.Combine(directory, AgreementFile), JsonSerializer.Serialize(new SortedDictionary<string, OutputAgreement>(_agreements, StringComparer.Ordinal), SaveOptions));
        }
    }

    private static Dictionary<string, OutputAgreement> LoadAgreements(string path)
    {
        try
        {
            return File.Exists(path) ? JsonSerializer.Deserialize<Dictionary<string, OutputAgreement>>(File.ReadAllText(path)) ?? [] : [];
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not the agreements bench/run keeps ({e.Message}); delete it and measure again", e);
        }
    }

    private IEnumerable<RunRecord> Of(string model, string config) => runs.Where(r => r.Model == model && r.Config == config);

    private Dictionary<int, double> ByRound(string model, string config) =>
        Of(model, config).GroupBy(r => r.Round).ToDictionary(g => g.Key, g => g.First().MedianMs);
}
