namespace Dsx.Grains.Tests.Postgres;

/// <summary>A fact that needs a PostgreSQL server of its own, the executor and the dsx command line (see <see cref="PostgresAvailability"/>).</summary>
public sealed class PostgresFactAttribute : FactAttribute
{
    public PostgresFactAttribute()
    {
        if (PostgresAvailability.SkipReason is { } reason)
        {
            Skip = reason;
        }
    }
}
