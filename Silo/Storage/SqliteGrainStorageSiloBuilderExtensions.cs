using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.Providers;
using Orleans.Runtime.Hosting;
using Orleans.Storage;

namespace Dsx.Silo.Storage;

/// <summary>Registers <see cref="SqliteGrainStorage"/> as a named (or the default) Orleans grain storage.</summary>
public static class SqliteGrainStorageSiloBuilderExtensions
{
    /// <summary>The default grain storage (grains whose <c>[PersistentState]</c> names no storage) in <paramref name="path"/>.</summary>
    public static ISiloBuilder AddSqliteGrainStorageAsDefault(this ISiloBuilder builder, string path) =>
        builder.AddSqliteGrainStorage(ProviderConstants.DEFAULT_STORAGE_PROVIDER_NAME, path);

    /// <summary>The default grain storage, configured in full.</summary>
    public static ISiloBuilder AddSqliteGrainStorageAsDefault(this ISiloBuilder builder, Action<SqliteStorageOptions> configure) =>
        builder.AddSqliteGrainStorage(ProviderConstants.DEFAULT_STORAGE_PROVIDER_NAME, configure);

    /// <summary>A grain storage called <paramref name="name"/> (as in <c>[PersistentState("state", name)]</c>) in <paramref name="path"/>.</summary>
    public static ISiloBuilder AddSqliteGrainStorage(this ISiloBuilder builder, string name, string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        return builder.AddSqliteGrainStorage(name, options => options.Path = path);
    }

    /// <summary>A grain storage called <paramref name="name"/>, configured in full.</summary>
    public static ISiloBuilder AddSqliteGrainStorage(this ISiloBuilder builder, string name, Action<SqliteStorageOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(configure);
        builder.Services.AddSqliteGrainStorage(name, configure);
        return builder;
    }

    /// <summary>The same on a service collection, for hosts that configure the silo's services directly.</summary>
    public static IServiceCollection AddSqliteGrainStorage(this IServiceCollection services, string name, Action<SqliteStorageOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<SqliteStorageOptions>(name).Configure(configure);
        // Fills GrainStorageSerializer with the silo's IGrainStorageSerializer when the options left it null.
        services.AddTransient<IPostConfigureOptions<SqliteStorageOptions>, DefaultStorageProviderSerializerOptionsConfigurator<SqliteStorageOptions>>();
        services.ConfigureNamedOptionForLogging<SqliteStorageOptions>(name);
        // Keyed IGrainStorage by name, the unkeyed default when name is "Default", and the silo lifecycle hook
        // (SqliteGrainStorage is an ILifecycleParticipant), all as Orleans' own providers register.
        services.AddGrainStorage(name, static (provider, key) => new SqliteGrainStorage(
            key,
            provider.GetRequiredService<IOptionsMonitor<SqliteStorageOptions>>().Get(key),
            provider.GetRequiredService<Microsoft.Extensions.Logging.ILogger<SqliteGrainStorage>>()));
        return services;
    }
}
