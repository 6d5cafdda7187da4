using System.Globalization;

namespace Dsx.Search;

/// <summary>
/// What a search minimises. Every objective is a per-layer cost (so Q-learning and the exact DP can use it) plus,
/// for a memory cap, a whole-plan penalty. Memory per layer is <see cref="LayerMemory.Total"/> in MiB.
/// </summary>
public sealed record Objective(ObjectiveKind Kind, double MsPerMiB = 0, long MemoryCapBytes = 0)
{
    /// <summary>Cost added per MiB over the cap: far above any latency, so a feasible plan always wins.</summary>
    public const double CapPenaltyPerMiB = 1e4;

    public static Objective Latency { get; } = new(ObjectiveKind.Latency);

    /// <summary>Memory first; latency breaks ties (1 ms counts as 1 KiB).</summary>
    public static Objective Memory { get; } = new(ObjectiveKind.Memory);

    public static Objective Weighted(double msPerMiB) => new(ObjectiveKind.Weighted, msPerMiB);

    public static Objective LatencyUnderCap(long capBytes) => new(ObjectiveKind.LatencyUnderMemoryCap, 0, capBytes);

    /// <summary>The cost of one layer taking <paramref name="ms"/> (compute + input conversion) and holding <paramref name="bytes"/>.</summary>
    public double LayerCost(double ms, long bytes) => Kind switch
    {
        ObjectiveKind.Latency or ObjectiveKind.LatencyUnderMemoryCap => ms,
        ObjectiveKind.Memory => Mib(bytes) + (ms / 1024.0),
        ObjectiveKind.Weighted => ms + (MsPerMiB * Mib(bytes)),
        _ => throw new InvalidOperationException($"unknown objective {Kind}"),
    };

    /// <summary>Whole-plan penalty on top of the layer costs: only a memory cap has one.</summary>
    public double PlanPenalty(long planBytes) =>
        Kind == ObjectiveKind.LatencyUnderMemoryCap && planBytes > MemoryCapBytes ? CapPenaltyPerMiB * Mib(planBytes - MemoryCapBytes) : 0;

    public static double Mib(long bytes) => bytes / (1024.0 * 1024.0);

    /// <summary>
    /// Parses <c>latency</c>, <c>memory</c>, <c>weighted:MS_PER_MIB</c> (e.g. <c>weighted:0.5</c>: 1 MiB costs 0.5 ms) or
    /// <c>latency-cap:SIZE</c> (e.g. <c>latency-cap:64MiB</c>).
    /// </summary>
    public static Objective Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        var name = (colon < 0 ? text : text[..colon]).Trim().ToLowerInvariant();
        var argument = colon < 0 ? null : text[(colon + 1)..].Trim();
        switch (name)
        {
            case "latency" when argument is null:
                return Latency;
            case "memory" when argument is null:
                return Memory;
            case "weighted" when argument is not null
                && double.TryParse(argument, NumberStyles.Float, CultureInfo.InvariantCulture, out var weight) && weight >= 0:
                return Weighted(weight);
            case "latency-cap" when argument is not null && TryParseBytes(argument, out var cap) && cap > 0:
                return LatencyUnderCap(cap);
            default:
                throw new FormatException(
                    $"'{text}' is not an objective: use latency, memory, weighted:MS_PER_MIB (e.g. weighted:0.5) or latency-cap:SIZE (e.g. latency-cap:64MiB)");
        }
    }

    public override string ToString() => Kind switch
    {
        ObjectiveKind.Latency => "latency",
        ObjectiveKind.Memory => "memory",
        ObjectiveKind.Weighted => string.Create(CultureInfo.InvariantCulture, $"weighted:{MsPerMiB}"),
        ObjectiveKind.LatencyUnderMemoryCap => string.Create(CultureInfo.InvariantCulture, $"latency-cap:{MemoryCapBytes}B"),
        _ => Kind.ToString(),
    };

    private static bool TryParseBytes(string text, out long bytes)
    {
        var units = new (string Suffix, long Scale)[] { ("GiB", 1L << 30), ("MiB", 1L << 20), ("KiB", 1L << 10), ("B", 1) };
        foreach (var (suffix, scale) in units)
        {
            if (text.EndsWith(suffix, StringComparison.OrdinalIgnoreCase)
                && double.TryParse(text[..^suffix.Length], NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
            {
                bytes = (long)(value * scale);
                return true;
            }
        }

        return long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out bytes);
    }
}
