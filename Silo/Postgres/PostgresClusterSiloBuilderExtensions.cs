using Dsx.Grains;
using Dsx.Silo.Storage;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.Runtime;
using Orleans.Runtime.Hosting;
using Orleans.Storage;

namespace Dsx.Silo.Postgres;

/// <summary>Orleans ADO.NET clustering, grain storage <see cref="StorageNames.Default"/> and reminders, all on one PostgreSQL database.</summary>
public static class PostgresClusterSiloBuilderExtensions
{
    /// <summary>The ADO.NET invariant name of Npgsql, by which Orleans finds its DbProviderFactory.</summary>
    public const string Invariant = "Npgsql";

    /// <summary>
    /// Orleans' ADO.NET storage is registered under this name and wrapped as <see cref="StorageNames.Default"/> (the
    /// provider name is not part of the stored rows, so this is invisible in the database).
    /// </summary>
    private const string AdoNetStorageName = StorageNames.Default + "-postgres";

    public static ISiloBuilder UsePostgresCluster(this ISiloBuilder builder, DsxClusterOptions cluster, int siloPort, int gatewayPort)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(cluster);
        var connectionString = cluster.ConnectionString;
        builder
            .Configure<ClusterOptions>(o =>
            {
                o.ClusterId = cluster.ClusterId;
                o.ServiceId = cluster.ServiceId;
            })
            // Bound on the advertised address itself: what the others dial is exactly what this silo listens on.
            .ConfigureEndpoints(cluster.Address, siloPort, gatewayPort, listenOnAnyHostAddress: false)
            .UseAdoNetClustering(o =>
            {
                o.Invariant = Invariant;
                o.ConnectionString = connectionString;
            })
            .AddAdoNetGrainStorage(AdoNetStorageName, o =>
            {
                o.Invariant = Invariant;
                o.ConnectionString = connectionString;
            })
            .UseAdoNetReminderService(o =>
            {
                o.Invariant = Invariant;
                o.ConnectionString = connectionString;
            });
        // A database restart is an outage to wait out, not a failure: see OutageReportingGrainStorage.
        builder.Services.AddGrainStorage(StorageNames.Default, (services, _) => new OutageReportingGrainStorage(
            $"PostgreSQL grain storage ({PostgresConnectionString.Describe(connectionString)})",
            services.GetRequiredKeyedService<IGrainStorage>(AdoNetStorageName)));
        builder.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(new PostgresSchemaParticipant(connectionString));
        if (cluster.FailureDetection is { } detection)
        {
            builder.Configure<ClusterMembershipOptions>(o => FailureDetection(o, detection));
        }

        return builder;
    }

    /// <summary>
    /// Orleans suspects a silo after <see cref="ClusterMembershipOptions.NumMissedProbesLimit"/> missed probes and
    /// declares it dead once enough silos voted; probes run about once per probe timeout. So a third of the time per
    /// probe, and the membership table re-read as often, so every survivor learns of the death within the window too.
    /// </summary>
    private static void FailureDetection(ClusterMembershipOptions options, TimeSpan detection)
    {
        var probe = TimeSpan.FromTicks(Math.Max(TimeSpan.FromMilliseconds(500).Ticks, detection.Ticks / options.NumMissedProbesLimit));
        options.ProbeTimeout = probe;
        options.MinProbeTimeout = probe / 2;
        options.MaxProbeTimeout = probe * 2;
        options.TableRefreshTimeout = detection;
        options.IAmAliveTablePublishTimeout = detection;
        options.DeathVoteExpirationTimeout = detection * 4;
    }
}
