using System.Globalization;

namespace Dsx.Search;

/// <summary>
/// Names for the measurements an exploration asks of its board, unique within the exploration and the same when a
/// resumed exploration asks again: a measurer that stores its answers by key (a grain per key) measures each once.
/// Episode measurements are keyed by episode number; the end's confirmations, run-off rounds and calibration runs
/// by the plan, since which plans they concern is decided again after a resume.
/// </summary>
public static class MeasurementKeys
{
    public static string Episode(int episode) => string.Create(CultureInfo.InvariantCulture, $"e{episode}");

    public static string Confirmation(CandidatePlan plan) => "top-" + Of(plan);

    public static string RunOff(int round, CandidatePlan plan) => string.Create(CultureInfo.InvariantCulture, $"r{round}-{Of(plan)}");

    /// <summary>The best plan measured again because its timing was noisy, after <paramref name="measured"/> measurements.</summary>
    public static string Steady(int measured, CandidatePlan plan) => string.Create(CultureInfo.InvariantCulture, $"s{measured}-{Of(plan)}");

    public static string Calibration(CandidatePlan plan) => "cal-" + Of(plan);

    /// <summary>A plan's short stable name: FNV-1a of its text, in hex (plans can have hundreds of layers).</summary>
    public static string Of(CandidatePlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        return Fnv1a.Hash(plan.ToString()).ToString("x16", CultureInfo.InvariantCulture);
    }
}
