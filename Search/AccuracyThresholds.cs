namespace Dsx.Search;

/// <summary>
/// When a quantised plan's outputs are close enough to the FP32 reference's on a calibration set.
/// <para>
/// Top-1 agreement: the share of examples whose argmax matches the reference's must reach
/// <see cref="MinTop1Agreement"/> (default 99%), or the number that differ must not exceed
/// <see cref="ToleratedDisagreements"/> (default 1). The tolerance exists because the default calibration set is a
/// handful of seeded random inputs: on 8 of them one flip is 12.5%, and on random inputs the top two scores are often
/// a near tie that any rounding flips, so "99% of 8" would reject every INT8 plan for noise. A genuinely broken plan
/// still fails the relative error check. With a large labelled set, 99% decides (1% of 1000 inputs is 10 flips).
/// </para>
/// <para>
/// Relative error: per example ||candidate - reference||2 / ||reference||2; the largest must not exceed
/// <see cref="MaxRelativeError"/> (default 10%: well-calibrated per-tensor INT8 is typically 1-5% at the logits).
/// </para>
/// <para>With labels: top-1 accuracy of both plans, and the quantised one may lose at most <see cref="MaxAccuracyDrop"/> (default 1 point).</para>
/// </summary>
public sealed record AccuracyThresholds(
    double MinTop1Agreement = 0.99,
    int ToleratedDisagreements = 1,
    double MaxRelativeError = 0.10,
    double MaxAccuracyDrop = 0.01)
{
    public static AccuracyThresholds Default { get; } = new();
}
