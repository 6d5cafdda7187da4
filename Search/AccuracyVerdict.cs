namespace Dsx.Search;

/// <summary>
/// What the accuracy guard found for one plan against the FP32 reference: the numbers and a one-line human reason.
/// <see cref="Checked"/> is false for a plan with no INT8 layer (nothing to check; it passes).
/// </summary>
public sealed record AccuracyVerdict(
    bool Passed,
    bool Checked,
    int Examples,
    int Agreements,
    double MeanRelativeError,
    double MaxRelativeError,
    double? ReferenceAccuracy,
    double? CandidateAccuracy,
    string Reason)
{
    public static AccuracyVerdict NotApplicable { get; } = new(true, false, 0, 0, 0, 0, null, null, "no INT8 layer: the accuracy guard does not apply");

    /// <summary>Share of examples whose top-1 class matches FP32; null when nothing was compared.</summary>
    public double? Top1Agreement => Examples == 0 ? null : (double)Agreements / Examples;

    /// <summary>Reference top-1 accuracy minus the candidate's; null without labels.</summary>
    public double? AccuracyDrop => ReferenceAccuracy - CandidateAccuracy;

    public static AccuracyVerdict Failed(string reason) => new(false, true, 0, 0, 0, 0, null, null, reason);
}
