namespace Dsx.Search;

/// <summary>
/// How an <see cref="Exploration"/> runs: the episode budget (exactly this many plans go to the strategy), how many
/// episodes are out at once (a board measurement each, unless the table answers), what is minimised, when a table entry may stand in for a measurement, how
/// many of the best predicted plans are confirmed at the end, and the accuracy guard's thresholds, FP32 reference plan
/// (in the table's space; needed only when the space has INT8 choices) and calibration labels.
/// </summary>
public sealed record ExplorationSettings
{
    public required int Episodes { get; init; }

    public int Batch { get; init; } = 1;

    public Objective Objective { get; init; } = Objective.Latency;

    public TrustPolicy Trust { get; init; } = TrustPolicy.Default;

    public int ConfirmTopK { get; init; } = 3;

    public AccuracyThresholds Accuracy { get; init; } = AccuracyThresholds.Default;

    public CandidatePlan? AccuracyReference { get; init; }

    public IReadOnlyList<int>? CalibrationLabels { get; init; }

    /// <summary>
    /// Plans (in the table's space) measured as the first episodes, before the strategy proposes any, and observed by it
    /// like its own: e.g. <see cref="SeedPlans.SingleLibraries"/>, so the search starts from what a user would try first.
    /// They count in the budget.
    /// </summary>
    public IReadOnlyList<CandidatePlan> SeedPlans { get; init; } = [];

    /// <summary>
    /// Rounds of a run-off at the end: the <see cref="ConfirmTopK"/> best confirmed plans and the confirmed seed plans are
    /// measured again, in turn, this many times, and each is judged by the median of all its measurements. One
    /// measurement per plan crowns whichever plan met a quiet moment of the board; alternating rounds give every finalist
    /// the same conditions. 0: none.
    /// </summary>
    public int FinalRounds { get; init; }

    /// <summary>
    /// The plan a user would deploy without Dsx (the BLAS baseline, in the table's space): with a run-off it is confirmed
    /// and runs in the run-off too, so the exploration's best is never a plan the baseline beats. Null: none.
    /// </summary>
    public CandidatePlan? Baseline { get; init; }
}
