namespace Dsx.Search;

/// <summary>An episode's result with its number (1-based, in the order the episodes were started).</summary>
public sealed record CompletedEpisode(int Episode, EpisodeResult Result);
