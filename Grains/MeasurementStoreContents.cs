using Dsx.Search;
using Dsx.Wire;

namespace Dsx.Grains;

/// <summary>
/// A measurement store's table and request keys as its snapshot and journal say (the grain's memory, and what
/// <c>dsx store check</c> reads). A journal entry whose key the snapshot already holds is skipped: a silo that stopped
/// between writing a snapshot and emptying the journal left it in both.
/// </summary>
public sealed class MeasurementStoreContents
{
    /// <summary>Journal entries after which the table is written whole again and the journal emptied.</summary>
    public const int SnapshotEvery = 32;

    private readonly List<string> _keys;
    private readonly HashSet<string> _recorded;

    private MeasurementStoreContents(MeasurementTable table, IEnumerable<string> keys)
    {
        Table = table;
        _keys = [.. keys];
        _recorded = new HashSet<string>(_keys, StringComparer.Ordinal);
    }

    public MeasurementTable Table { get; }

    /// <summary>The request keys recorded, in order.</summary>
    public IReadOnlyList<string> Keys => _keys;

    /// <exception cref="MeasurementTableFormatException">The snapshot's table is not a table.</exception>
    public static MeasurementStoreContents Fold(string snapshotTable, IEnumerable<string> snapshotKeys, IEnumerable<MeasurementJournalEntry> journal, string source)
    {
        ArgumentNullException.ThrowIfNull(journal);
        var contents = new MeasurementStoreContents(MeasurementTable.Parse(snapshotTable, source), snapshotKeys);
        foreach (var entry in journal)
        {
            contents.Apply(entry);
        }

        return contents;
    }

    public bool Holds(string requestKey) => _recorded.Contains(requestKey);

    /// <returns>Whether the table changed (false: the key was recorded before, the choice was failing already, or no such layer).</returns>
    public bool Apply(MeasurementJournalEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        if (entry.RequestKey is { } key)
        {
            if (!_recorded.Add(key))
            {
                return false;
            }

            _keys.Add(key);
            Table.Record(new CandidatePlan(entry.Plan), MeasureReply.Parser.ParseFrom(entry.Reply ?? []), entry.PredictedMs, entry.UnixMs);
            return true;
        }

        return Table.Space.Layers.FirstOrDefault(l => l.Name == entry.FailedLayer) is { } named
            && Table.MarkFailing(named.Index, entry.Plan[named.Index], entry.Detail ?? "failed");
    }
}
