namespace Dsx.Search;

/// <summary>A confirmed plan the accuracy guard turned away, with its verdict.</summary>
public sealed record GuardRejection(ConfirmedPlan Plan, AccuracyVerdict Verdict);
