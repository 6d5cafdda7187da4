using System.Data.Common;
using Orleans.Serialization;

namespace Dsx.Grains;

/// <summary>
/// Tells a storage outage (the exploration waits and tries again) from a real failure (the exploration fails), and how
/// long to wait. SQLite grain storage reports <see cref="StorageUnavailableException"/>; Orleans' ADO.NET storage on
/// PostgreSQL lets the driver's <see cref="DbException"/> through. Either may reach the exploration from another grain,
/// possibly on another silo, so the whole chain of causes is searched, including causes whose type did not deserialise.
/// </summary>
internal static class StorageFaults
{
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);

    /// <summary>The storage cause's message (first line), or null when <paramref name="exception"/> is not a storage outage.</summary>
    public static string? Reason(Exception exception)
    {
        var causes = ExceptionCauses.Of(exception).ToList();
        var cause = causes.FirstOrDefault(e => e is StorageUnavailableException || IsFallback(e, nameof(StorageUnavailableException)))
            ?? causes.FirstOrDefault(e => e is DbException || IsFallback(e, "SqliteException", "NpgsqlException", "PostgresException"));
        return cause?.Message.Split('\n')[0].Trim();
    }

    /// <summary>1, 2, 4 ... seconds, at most <see cref="MaxBackoff"/>: quick when the outage is a blip, not hammering a server that is down.</summary>
    public static TimeSpan Backoff(int attempt) =>
        TimeSpan.FromSeconds(Math.Min(MaxBackoff.TotalSeconds, Math.Pow(2, Math.Clamp(attempt - 1, 0, 10))));

    private static bool IsFallback(Exception e, params string[] typeNames) =>
        e is UnavailableExceptionFallbackException fallback
        && typeNames.Any(name => fallback.ExceptionType?.Contains(name, StringComparison.Ordinal) == true);
}
