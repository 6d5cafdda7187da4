namespace Dsx.Search;

/// <summary>
/// Where an exploration stands: after episode <see cref="Episode"/> of <see cref="Episodes"/> (0 during the final
/// confirmation), how many plans were answered from the table and how many measured on the board, the best
/// confirmed plan so far, and a note on what just happened (a failure, a rejection, a confirmation) or null.
/// </summary>
public sealed record ExplorationProgress(
    int Episode,
    int Episodes,
    int TableHits,
    int BoardMeasurements,
    int Failures,
    ConfirmedPlan? Best,
    string? Note);
