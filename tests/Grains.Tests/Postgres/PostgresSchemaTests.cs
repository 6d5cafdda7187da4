using Dsx.Silo.Postgres;
using Npgsql;

namespace Dsx.Grains.Tests.Postgres;

/// <summary>The schema Orleans' ADO.NET providers need, created by silos at start on a real PostgreSQL server.</summary>
public sealed class PostgresSchemaTests
{
    /// <summary>Every OrleansQuery key the 10.4.2 clustering, persistence and reminder providers require.</summary>
    private static readonly string[] Keys =
    [
        "CleanupDefunctSiloEntriesKey", "CleanupDefunctSiloEntryKey", "ClearStorageKey", "DeleteMembershipTableEntriesKey", "DeleteReminderRowKey",
        "DeleteReminderRowsKey", "GatewaysQueryKey", "InsertMembershipKey", "InsertMembershipVersionKey", "MembershipReadAllKey",
        "MembershipReadRowKey", "ReadFromStorageKey", "ReadRangeRows1Key", "ReadRangeRows2Key", "ReadReminderRowKey", "ReadReminderRowsKey",
        "UpdateIAmAlivetimeKey", "UpdateMembershipKey", "UpsertReminderRowKey", "WriteToStorageKey",
    ];

    [PostgresFact]
    public async Task Concurrent_first_starts_and_later_restarts_leave_one_complete_schema()
    {
        await using var server = await PostgresServer.StartAsync();
        await server.CreateDatabaseAsync("fresh");
        var connectionString = server.ConnectionString("fresh");

        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => PostgresSchema.EnsureAsync(connectionString, CancellationToken.None))));
        await PostgresSchema.EnsureAsync(connectionString, CancellationToken.None);

        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT QueryKey FROM OrleansQuery ORDER BY QueryKey", connection);
        var keys = new List<string>();
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                keys.Add(reader.GetString(0));
            }
        }

        Assert.Equal(Keys.Order(StringComparer.Ordinal), keys.Order(StringComparer.Ordinal));
    }
}
