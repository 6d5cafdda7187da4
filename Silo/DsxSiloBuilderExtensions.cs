using Dsx.BoardHost;
using Dsx.Grains;
using Dsx.Silo.Postgres;
using Dsx.Silo.Storage;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using Orleans.Hosting;

namespace Dsx.Silo;

/// <summary>Configures an Orleans silo as a Dsx silo: clustering, storage, reminders, timeouts, and what runs at start.</summary>
public static class DsxSiloBuilderExtensions
{
    /// <summary>
    /// A one-machine silo (localhost clustering on the options' ports, plus <see cref="AddDsx"/>), or with
    /// <see cref="DsxSiloOptions.Cluster"/> one of several hosts: clustering, grain state and reminders on PostgreSQL.
    /// </summary>
    public static ISiloBuilder UseDsx(this ISiloBuilder builder, DsxSiloOptions options)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(options);
        return options.Cluster is { } cluster
            ? builder.UsePostgresCluster(cluster, options.SiloPort, options.GatewayPort).AddDsxRuntime(options)
            : builder
                .UseLocalhostClustering(options.SiloPort, options.GatewayPort, serviceId: DsxClusterOptions.DefaultServiceId, clusterId: DsxClusterOptions.DefaultClusterId)
                .AddDsx(options);
    }

    /// <summary>Everything but clustering (which a test cluster or a multi-host deployment sets its own way).</summary>
    public static ISiloBuilder AddDsx(this ISiloBuilder builder, DsxSiloOptions options)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(options);
        return builder
            .AddSqliteGrainStorage(StorageNames.Default, options.DatabasePath)
            .UseInMemoryReminderService()
            .AddDsxRuntime(options);
    }

    /// <summary>What every Dsx silo has whatever its storage: call timeouts, the boards' timing log, shared model graphs and model loads, and the start-up task.</summary>
    private static ISiloBuilder AddDsxRuntime(this ISiloBuilder builder, DsxSiloOptions options)
    {
        builder.Services.AddSingleton(_ => new BoardTimingLog(options.TimingLogPath));
        builder.Services.AddSingleton<ModelGraphCache>();
        builder.Services.AddSingleton<SharedModelLoads>();
        return builder
            .Configure<SiloMessagingOptions>(o => o.ResponseTimeout = options.ResponseTimeout)
            .ConfigureServices(services => services.AddSingleton(new BoardOptions(options.MeasurementTimeout)))
            .AddStartupTask((services, cancellationToken) => SiloStartup.RunAsync(services.GetRequiredService<IGrainFactory>(), options, cancellationToken));
    }
}
