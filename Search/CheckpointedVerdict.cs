namespace Dsx.Search;

/// <summary>The accuracy guard's verdict on a plan in an <see cref="ExplorationCheckpoint"/>.</summary>
public sealed record CheckpointedVerdict(string Plan, AccuracyVerdict Verdict);
