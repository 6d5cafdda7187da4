using System.Net.Sockets;
using Npgsql;

namespace Dsx.Silo.Postgres;

/// <summary>
/// Creates (or brings up to date) the tables, functions and OrleansQuery rows Orleans' ADO.NET clustering, persistence
/// and reminders need, from the scripts embedded from Silo/Sql. Safe to run at every start and from several silos at
/// once: the scripts are idempotent and run in one transaction under a transaction-scoped advisory lock, so concurrent
/// first starts take turns instead of racing on CREATE TABLE (which PostgreSQL does not make atomic with IF NOT EXISTS).
/// </summary>
public static class PostgresSchema
{
    /// <summary>The advisory lock key all Dsx silos serialise schema changes on ("dsx-sch" in ASCII).</summary>
    public const long LockKey = 0x6473_782D_7363_68;

    private const string ResourcePrefix = "Dsx.Silo.Sql.";

    /// <summary>The scripts in the order they run (file names sort by their numeric prefix).</summary>
    public static IReadOnlyList<string> ScriptNames { get; } =
        [.. typeof(PostgresSchema).Assembly.GetManifestResourceNames().Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal)];

    /// <exception cref="PostgresClusterException">The server cannot be reached, refuses the login, or rejects a script.</exception>
    public static async Task EnsureAsync(string connectionString, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        var where = PostgresConnectionString.Describe(connectionString);
        try
        {
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync(cancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            await using (var command = new NpgsqlCommand($"SELECT pg_advisory_xact_lock({LockKey})", connection, transaction))
            {
                await command.ExecuteNonQueryAsync(cancellationToken);
            }

            foreach (var name in ScriptNames)
            {
                await using var command = new NpgsqlCommand(await ReadAsync(name), connection, transaction);
                await command.ExecuteNonQueryAsync(cancellationToken);
            }

            await transaction.CommitAsync(cancellationToken);
        }
        catch (Exception e) when (Unreachable(e))
        {
            throw new PostgresClusterException(
                $"cannot reach PostgreSQL at {where} ({FirstLine(e)}): start the server, or check the host and port given to --cluster", e);
        }
        catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.InvalidPassword or PostgresErrorCodes.InvalidAuthorizationSpecification)
        {
            throw new PostgresClusterException($"PostgreSQL at {where} refused the login ({e.MessageText}): check the user and password given to --cluster", e);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.InvalidCatalogName)
        {
            throw new PostgresClusterException($"PostgreSQL at {where}: {e.MessageText}; create it (createdb) or name another in --cluster", e);
        }
        catch (PostgresException e)
        {
            throw new PostgresClusterException(
                $"PostgreSQL at {where} rejected the Orleans schema ({e.SqlState}: {e.MessageText}); the user needs rights to create tables and functions", e);
        }
    }

    private static bool Unreachable(Exception e) =>
        e is SocketException or TimeoutException
        || (e is NpgsqlException { InnerException: SocketException or TimeoutException or IOException } && e is not PostgresException);

    private static string FirstLine(Exception e) => (e.InnerException ?? e).Message.Split('\n')[0].TrimEnd('.');

    private static async Task<string> ReadAsync(string resource)
    {
        await using var stream = typeof(PostgresSchema).Assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"the embedded script {resource} is missing from Dsx.Silo");
        using var reader = new StreamReader(stream);
        return await reader.ReadToEndAsync();
    }
}
