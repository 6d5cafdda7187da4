using Dsx.Grains;
using Dsx.Silo.Storage;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using Orleans.Hosting;

namespace Dsx.Silo;

/// <summary>Configures an Orleans silo as a Dsx silo: clustering, storage, reminders, timeouts, and what runs at start.</summary>
public static class DsxSiloBuilderExtensions
{
    public static ISiloBuilder UseDsx(this ISiloBuilder builder, DsxSiloOptions options)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(options);
        builder
            .UseLocalhostClustering(options.SiloPort, options.GatewayPort)
            .AddSqliteGrainStorage(StorageNames.Default, options.DatabasePath)
            .UseInMemoryReminderService()
            .Configure<SiloMessagingOptions>(o => o.ResponseTimeout = options.ResponseTimeout)
            .AddStartupTask((services, cancellationToken) => SiloStartup.RunAsync(services.GetRequiredService<IGrainFactory>(), options, cancellationToken));
        return builder;
    }
}
