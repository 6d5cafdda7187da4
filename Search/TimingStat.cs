using System.Text.Json.Serialization;

namespace Dsx.Search;

/// <summary>
/// What is known of one timed quantity (a layer's compute under a choice, or its input conversion):
/// the median of each measurement that saw it, and the extremes of every timed run.
/// </summary>
public sealed class TimingStat
{
    /// <summary>How many measurement medians are kept; older ones drop out so a drifting board is followed.</summary>
    public const int MaxKept = 32;

    /// <summary>Per measurement, its median over the timed runs, in milliseconds; oldest first.</summary>
    public List<double> Medians { get; init; } = [];

    /// <summary>Fastest and slowest single run ever seen, in milliseconds.</summary>
    public double Min { get; set; }

    public double Max { get; set; }

    /// <summary>How many measurements contributed (may exceed <see cref="Medians"/>.Count).</summary>
    public int Count { get; set; }

    public long UpdatedUnixMs { get; set; }

    /// <summary>The estimate: the median of the kept measurement medians.</summary>
    [JsonIgnore]
    public double Estimate => Median(Medians);

    /// <summary>
    /// Relative spread: between measurements (interquartile range over the median) once there are three, else within
    /// runs ((max - min) / median). 0.1 means the timing moves by about 10%.
    /// </summary>
    [JsonIgnore]
    public double Spread
    {
        get
        {
            var estimate = Estimate;
            if (estimate <= 0)
            {
                return 0;
            }

            if (Medians.Count >= 3)
            {
                var sorted = Medians.Order().ToArray();
                return (Quantile(sorted, 0.75) - Quantile(sorted, 0.25)) / estimate;
            }

            return (Max - Min) / estimate;
        }
    }

    public void Add(double minMs, double medianMs, double maxMs, long unixMs)
    {
        Min = Count == 0 ? minMs : Math.Min(Min, minMs);
        Max = Count == 0 ? maxMs : Math.Max(Max, maxMs);
        Medians.Add(medianMs);
        if (Medians.Count > MaxKept)
        {
            Medians.RemoveAt(0);
        }

        Count++;
        UpdatedUnixMs = Math.Max(UpdatedUnixMs, unixMs);
    }

    /// <summary>Whether the estimate can be reused instead of measuring again.</summary>
    public bool IsTrusted(TrustPolicy policy, long nowUnixMs)
    {
        ArgumentNullException.ThrowIfNull(policy);
        return Count >= policy.MinSamples
            && (Spread <= policy.MaxSpread || Spread * Estimate <= policy.NegligibleMs || Count >= policy.NoisyRepeats)
            && (policy.MaxAge is not { } age || nowUnixMs - UpdatedUnixMs <= (long)age.TotalMilliseconds);
    }

    internal static double Median(IReadOnlyList<double> values)
    {
        if (values.Count == 0)
        {
            return double.NaN;
        }

        var sorted = values.Order().ToArray();
        return Quantile(sorted, 0.5);
    }

    private static double Quantile(double[] sorted, double q)
    {
        var position = q * (sorted.Length - 1);
        var lo = (int)Math.Floor(position);
        var hi = (int)Math.Ceiling(position);
        return sorted[lo] + ((sorted[hi] - sorted[lo]) * (position - lo));
    }
}
