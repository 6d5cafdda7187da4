namespace Dsx.Cli;

/// <summary>When one simulated search came within the target of the optimum for good: episodes and board seconds spent by then.</summary>
internal sealed record TargetReach(int? Episodes, double? BoardSeconds);
