using System.Net;

namespace Dsx.Silo;

/// <summary>
/// A silo that is one of several hosts: membership, grain state and reminders in PostgreSQL, and its silo and gateway
/// ports on an address the other hosts (and clients) reach.
/// </summary>
public sealed record DsxClusterOptions
{
    public const string DefaultClusterId = "dsx";

    public const string DefaultServiceId = "dsx";

    /// <summary>An Npgsql connection string (see <see cref="Postgres.PostgresConnectionString.Parse"/> for the URL form).</summary>
    public required string ConnectionString { get; init; }

    /// <summary>Which silos form one cluster: silos with the same id in the same database find each other.</summary>
    public string ClusterId { get; init; } = DefaultClusterId;

    /// <summary>Whose grain state and reminders these are; keep it across redeployments, or state is not found again.</summary>
    public string ServiceId { get; init; } = DefaultServiceId;

    /// <summary>The address this silo binds its ports on and advertises to the others.</summary>
    public required IPAddress Address { get; init; }

    /// <summary>
    /// How long a silo that stopped answering has before the others declare it dead and take over its grains and
    /// reminders; null keeps Orleans' defaults (tens of seconds). Short values suit one machine or a quiet LAN only:
    /// a silo paused longer than this (a long GC, an overloaded host) is declared dead and stops.
    /// </summary>
    public TimeSpan? FailureDetection { get; init; }
}
