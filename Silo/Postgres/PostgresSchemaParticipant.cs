using Orleans.Runtime;

namespace Dsx.Silo.Postgres;

/// <summary>
/// Applies <see cref="PostgresSchema"/> at the very first stage of the silo's start, before membership, reminders and
/// grain storage read their OrleansQuery rows (which they need to exist).
/// </summary>
internal sealed class PostgresSchemaParticipant(string connectionString) : ILifecycleParticipant<ISiloLifecycle>
{
    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(PostgresSchemaParticipant), ServiceLifecycleStage.First, ct => PostgresSchema.EnsureAsync(connectionString, ct));
}
