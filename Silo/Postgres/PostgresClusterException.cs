namespace Dsx.Silo.Postgres;

/// <summary>
/// The PostgreSQL a clustered silo was given cannot be used: the connection string is malformed, the server does not
/// answer, or it refused us. The message is one line naming the server and what to do; the cause is kept inside.
/// </summary>
public sealed class PostgresClusterException : Exception
{
    public PostgresClusterException()
    {
    }

    public PostgresClusterException(string message)
        : base(message)
    {
    }

    public PostgresClusterException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
