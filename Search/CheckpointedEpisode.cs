namespace Dsx.Search;

/// <summary>An episode started but not yet observed, in an <see cref="ExplorationCheckpoint"/>: its number, plan (in the table's space) and source.</summary>
public sealed record CheckpointedEpisode(int Episode, string Plan, EpisodeSource Source);
