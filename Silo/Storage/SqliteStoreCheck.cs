using System.Globalization;
using System.Text.Json;
using Dsx.Grains;
using Dsx.Search;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Storage;

namespace Dsx.Silo.Storage;

/// <summary>
/// Checks a silo's SQLite file (without changing it) for what a crash or a full disk could have broken: the file
/// itself (<c>PRAGMA integrity_check</c>), torn rows (every stored grain state must deserialise), and lost or doubled
/// work: each measurement store's request keys are unique, its table holds exactly one measurement per key, and each
/// key has its kept episode outcome; each exploration's history has one entry per episode done, never more than its
/// budget (exactly the budget once completed), its episode keys lie within the budget, and once it completed every
/// measurement it kept is in the store.
/// </summary>
public sealed class SqliteStoreCheck(IGrainStorageSerializer serializer)
{
    private const int MaxIntegrityLines = 10;

    /// <summary>With the grain storage serializer of a Dsx silo (taken from a silo's services, which are built but not started).</summary>
    public static SqliteStoreReport RunWithSiloSerializer(string path)
    {
        using var host = new HostBuilder().UseOrleans(silo => silo.UseLocalhostClustering()).Build();
        return new SqliteStoreCheck(host.Services.GetRequiredService<IGrainStorageSerializer>()).Run(path);
    }

    /// <exception cref="FileNotFoundException">No file at <paramref name="path"/>.</exception>
    public SqliteStoreReport Run(string path)
    {
        var full = System.IO.Path.GetFullPath(path);
        if (!File.Exists(full))
        {
            throw new FileNotFoundException($"no SQLite file at '{full}' (dsx silo --db names it; default .dsx/dsx.db)", full);
        }

        var problems = new List<string>();
        var states = new StoredStates();
        var connectionString = new SqliteConnectionStringBuilder { DataSource = full, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString();
        try
        {
            using var connection = new SqliteConnection(connectionString);
            connection.Open();
            var integrity = Lines(connection, "PRAGMA integrity_check");
            if (integrity is not ["ok"])
            {
                problems.AddRange(integrity.Take(MaxIntegrityLines).Select(line => $"integrity_check: {line}"));
            }

            ReadStates(connection, states, problems);
        }
        catch (SqliteException e)
        {
            problems.Add($"not a sound SQLite database of a Dsx silo: {e.Message}");
        }

        CheckStores(states, problems);
        CheckExplorations(states, problems);
        return new SqliteStoreReport(
            full, problems, states.Rows, states.Explorations.Count, states.Episodes.Count, states.Recorded.Values.Sum(k => k.Count));
    }

    private void ReadStates(SqliteConnection connection, StoredStates states, List<string> problems)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT state_name, grain_id, payload FROM grain_state WHERE payload IS NOT NULL ORDER BY state_name, grain_id";
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            var (stateName, grainId) = (reader.GetString(0), reader.GetString(1));
            object? value;
            try
            {
                value = serializer.Deserialize<object>(new BinaryData((byte[])reader.GetValue(2)));
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                problems.Add($"torn row: the state '{stateName}' of {grainId} does not deserialise: {e.Message.Split('\n')[0]}");
                continue;
            }

            states.Rows++;
            // Grain ids are "type/key"; episode and store keys contain '/' themselves.
            var key = grainId[(grainId.IndexOf('/', StringComparison.Ordinal) + 1)..];
            switch (value)
            {
                case ExplorationGrainState exploration:
                    states.Explorations[key] = exploration;
                    break;
                case EpisodeGrainState episode:
                    states.Episodes[key] = episode;
                    break;
                case MeasurementStoreState store:
                    states.Stores[key] = store;
                    break;
                case MeasurementJournalState journal:
                    states.Journals[key] = journal;
                    break;
                case UnsettledMeasurementsState unsettled:
                    states.Unsettled[key] = unsettled;
                    break;
            }
        }
    }

    private static void CheckStores(StoredStates states, List<string> problems)
    {
        foreach (var storeKey in states.Journals.Where(j => j.Value.Entries.Count > 0).Select(j => j.Key).Except(states.Stores.Keys))
        {
            problems.Add($"store {storeKey}: {states.Journals[storeKey].Entries.Count} journal entries but no table");
        }

        foreach (var (storeKey, store) in states.Stores)
        {
            foreach (var doubled in store.Keys.GroupBy(k => k, StringComparer.Ordinal).Where(g => g.Count() > 1))
            {
                problems.Add($"store {storeKey}: {doubled.Key} is recorded {doubled.Count()} times");
            }

            var keys = store.Keys.Distinct(StringComparer.Ordinal).ToList();
            if (store.Table is { } json)
            {
                try
                {
                    var measurements = MeasurementTable.Parse(json, $"the table of store {storeKey}").Measurements;
                    if (measurements != keys.Count)
                    {
                        problems.Add($"store {storeKey}: its table holds {measurements} measurements for {keys.Count} recorded keys");
                    }
                }
                catch (MeasurementTableFormatException e)
                {
                    problems.Add($"store {storeKey}: {e.Message}");
                }
            }
            else if (keys.Count > 0)
            {
                problems.Add($"store {storeKey}: {keys.Count} keys recorded but no table");
            }

            // The journal's keys follow the snapshot's; one in both was journalled before a snapshot the journal outlived.
            var journalled = states.Journals.TryGetValue(storeKey, out var journal)
                ? journal.Entries.Select(e => e.RequestKey).OfType<string>().ToList()
                : [];
            foreach (var doubled in journalled.GroupBy(k => k, StringComparer.Ordinal).Where(g => g.Count() > 1))
            {
                problems.Add($"store {storeKey}: {doubled.Key} is journalled {doubled.Count()} times");
            }

            keys.AddRange(journalled.Distinct(StringComparer.Ordinal).Except(keys, StringComparer.Ordinal).ToList());
            states.Recorded[storeKey] = keys;
            foreach (var key in keys.Where(k => !states.Episodes.TryGetValue(k, out var e) || e.Outcome?.Outcome is not { Succeeded: true, Reply: not null }))
            {
                problems.Add($"store {storeKey}: {key} is recorded but its episode keeps no measurement");
            }
        }
    }

    private static void CheckExplorations(StoredStates states, List<string> problems)
    {
        foreach (var (id, exploration) in states.Explorations)
        {
            if (exploration.Spec is not { } spec)
            {
                continue;
            }

            var budget = spec.Episodes;
            if (exploration.History.Count != exploration.Episode)
            {
                problems.Add($"exploration {id}: {exploration.Episode} episodes done but {exploration.History.Count} in its history");
            }

            if (exploration.Episode > budget || (exploration.Status == ExplorationStatus.Completed && exploration.Episode != budget))
            {
                problems.Add($"exploration {id}: {exploration.Status.ToString().ToLowerInvariant()} with {exploration.Episode} episodes of a budget of {budget}");
            }

            var prefix = id + "/";
            var recorded = states.Recorded.TryGetValue($"{spec.BoardKind}/{spec.ModelHash}", out var storeKeys)
                ? storeKeys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal)).ToHashSet(StringComparer.Ordinal)
                : [];
            var kept = states.Episodes.Where(e => e.Key.StartsWith(prefix, StringComparison.Ordinal)).ToList();
            foreach (var key in recorded.Concat(kept.Select(e => e.Key)).Distinct(StringComparer.Ordinal))
            {
                if (EpisodeNumber(key[prefix.Length..]) is { } n && (n < 1 || n > budget))
                {
                    problems.Add($"exploration {id}: {key} lies outside its budget of {budget} episodes");
                }
            }

            // An unfinished exploration may hold outcomes kept just before a crash, which it records when it resumes:
            // those of the keys it told since its last checkpoint, and of the episodes in flight there (asked again).
            var settledOnResume = exploration.Status == ExplorationStatus.Completed
                ? []
                : (states.Unsettled.TryGetValue(id, out var unsettled) ? unsettled.Keys : []).Concat(InFlightKeys(id, exploration, problems))
                    .Select(k => prefix + k).ToHashSet(StringComparer.Ordinal);
            foreach (var (key, _) in kept.Where(e => e.Value.Outcome?.Outcome is { Succeeded: true, Reply: not null } && !recorded.Contains(e.Key)
                && !settledOnResume.Contains(e.Key) && !e.Key.Equals(prefix + "baseline", StringComparison.Ordinal)))
            {
                problems.Add($"exploration {id}: {key} was measured but its measurement is missing from the store");
            }
        }
    }

    /// <summary>The keys of the episodes the checkpoint has on the board (a resumed exploration asks them again).</summary>
    private static IEnumerable<string> InFlightKeys(string id, ExplorationGrainState exploration, List<string> problems)
    {
        try
        {
            return exploration.Checkpoint is { } json
                ? ExplorationCheckpoint.FromJson(json).InFlight.Where(e => e.Source != EpisodeSource.Table).Select(e => MeasurementKeys.Episode(e.Episode))
                : [];
        }
        catch (JsonException e)
        {
            problems.Add($"exploration {id}: its checkpoint is not readable ({e.Message})");
            return [];
        }
    }

    /// <summary>N of an episode key "eN" (<see cref="MeasurementKeys.Episode"/>), or null for other keys.</summary>
    private static int? EpisodeNumber(string key) =>
        key.Length > 1 && key[0] == 'e' && int.TryParse(key.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : null;

    private static List<string> Lines(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        var lines = new List<string>();
        while (reader.Read())
        {
            lines.Add(reader.GetString(0));
        }

        return lines;
    }

    private sealed class StoredStates
    {
        public int Rows { get; set; }

        public Dictionary<string, ExplorationGrainState> Explorations { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, EpisodeGrainState> Episodes { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, MeasurementStoreState> Stores { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, MeasurementJournalState> Journals { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, UnsettledMeasurementsState> Unsettled { get; } = new(StringComparer.Ordinal);

        /// <summary>Per store, the request keys of its snapshot and then its journal, each once.</summary>
        public Dictionary<string, List<string>> Recorded { get; } = new(StringComparer.Ordinal);
    }
}
