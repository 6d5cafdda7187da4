using System.Text.Json.Serialization;

namespace Dsx.Search;

/// <summary>Where a started episode's answer comes from (kept for the episodes in flight in an <see cref="ExplorationCheckpoint"/>).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<EpisodeSource>))]
public enum EpisodeSource
{
    /// <summary>The measurement table (or its failing choices): nothing went to the board, so a resumed exploration decides again.</summary>
    Table,

    /// <summary>A board measurement under the episode's key: a resumed exploration asks that key again.</summary>
    Board,

    /// <summary>The table, with an end-to-end confirmation on the board under the episode's key, asked again on resume.</summary>
    Confirmation,
}
