using Dsx.Grains;
using Dsx.Silo.Storage;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using Orleans.Hosting;

namespace Dsx.Silo;

/// <summary>Configures an Orleans silo as a Dsx silo: clustering, storage, reminders, timeouts, and what runs at start.</summary>
public static class DsxSiloBuilderExtensions
{
    /// <summary>A one-machine silo: localhost clustering on the options' ports, plus <see cref="AddDsx"/>.</summary>
    public static ISiloBuilder UseDsx(this ISiloBuilder builder, DsxSiloOptions options)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(options);
        return builder.UseLocalhostClustering(options.SiloPort, options.GatewayPort).AddDsx(options);
    }

    /// <summary>Everything but clustering (which a test cluster or a multi-host deployment sets its own way).</summary>
    public static ISiloBuilder AddDsx(this ISiloBuilder builder, DsxSiloOptions options)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(options);
        return builder
            .AddSqliteGrainStorage(StorageNames.Default, options.DatabasePath)
            .UseInMemoryReminderService()
            .Configure<SiloMessagingOptions>(o => o.ResponseTimeout = options.ResponseTimeout)
            .AddStartupTask((services, cancellationToken) => SiloStartup.RunAsync(services.GetRequiredService<IGrainFactory>(), options, cancellationToken));
    }
}
