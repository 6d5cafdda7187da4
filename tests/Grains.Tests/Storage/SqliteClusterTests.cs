using Dsx.Silo.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Hosting;
using Orleans.Storage;
using Orleans.TestingHost;

namespace Dsx.Grains.Tests.Storage;

/// <summary>The storage inside a real in-process Orleans cluster, across a restart of the whole cluster.</summary>
public sealed class SqliteClusterTests : IDisposable
{
    public const string StoreName = "sqlite";

    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task State_written_by_a_grain_is_read_back_by_a_new_cluster_on_the_same_files()
    {
        var named = _folder.FilePath("named.db");
        var fallback = _folder.FilePath(Path.Combine("default", "grains.db"));

        var first = await StartAsync(named, fallback);
        try
        {
            await first.Client.GetGrain<IStoredCounterGrain>("a").SetAsync(3, "before restart");
            await first.Client.GetGrain<IStoredCounterGrain>("b").SetAsync(4, "to be cleared");
            await first.Client.GetGrain<IStoredCounterGrain>("b").ClearAsync();
        }
        finally
        {
            await first.StopAllSilosAsync();
            await first.DisposeAsync();
        }

        // Each store wrote its own file: grain a's state, grain b's tombstone.
        Assert.Equal((2L, 1L), CountRows(named));
        Assert.Equal((2L, 1L), CountRows(fallback));

        var second = await StartAsync(named, fallback);
        try
        {
            var a = await second.Client.GetGrain<IStoredCounterGrain>("a").GetAsync();
            Assert.Equal(3, a[0].Value);
            Assert.Equal("before restart", a[0].Note);
            Assert.Equal(-3, a[1].Value);
            var b = await second.Client.GetGrain<IStoredCounterGrain>("b").GetAsync();
            Assert.Equal(0, b[0].Value);
            Assert.Equal(0, b[1].Value);
            // A write after the restart continues the ETag chain the first cluster left.
            await second.Client.GetGrain<IStoredCounterGrain>("a").SetAsync(5, "after restart");
        }
        finally
        {
            await second.StopAllSilosAsync();
            await second.DisposeAsync();
        }
    }

    [Fact]
    public async Task The_storage_uses_the_silos_serializer()
    {
        var cluster = await StartAsync(_folder.FilePath("named.db"), _folder.FilePath("default.db"));
        try
        {
            var services = cluster.GetSiloServiceProvider();
            var options = services.GetRequiredService<IOptionsMonitor<SqliteStorageOptions>>().Get(StoreName);
            Assert.Same(services.GetRequiredService<IGrainStorageSerializer>(), options.GrainStorageSerializer);
            Assert.IsType<SqliteGrainStorage>(services.GetRequiredKeyedService<IGrainStorage>(StoreName));
            Assert.IsType<SqliteGrainStorage>(services.GetRequiredService<IGrainStorage>());
        }
        finally
        {
            await cluster.StopAllSilosAsync();
            await cluster.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_silo_whose_storage_file_is_unusable_does_not_start_and_says_which_file()
    {
        var named = _folder.FilePath("named.db");
        Directory.CreateDirectory(named);

        var e = await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            var cluster = await StartAsync(named, _folder.FilePath("default.db")).WaitAsync(TimeSpan.FromSeconds(20));
            await cluster.DisposeAsync();
        });

        var cause = Assert.Single(Causes(e).OfType<SqliteGrainStorageException>());
        Assert.Contains(named, cause.Message, StringComparison.Ordinal);
    }

    private static IEnumerable<Exception> Causes(Exception e)
    {
        yield return e;
        var inner = e is AggregateException aggregate ? aggregate.InnerExceptions : (IEnumerable<Exception>)(e.InnerException is null ? [] : [e.InnerException]);
        foreach (var cause in inner.SelectMany(Causes))
            yield return cause;
    }

    private static (long Rows, long WithState) CountRows(string path)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*), count(payload) FROM grain_state";
        using var reader = command.ExecuteReader();
        Assert.True(reader.Read());
        return (reader.GetInt64(0), reader.GetInt64(1));
    }

    private static async Task<InProcessTestCluster> StartAsync(string namedPath, string defaultPath)
    {
        var builder = new InProcessTestClusterBuilder(1);
        builder.ConfigureSilo((_, silo) => silo
            .AddSqliteGrainStorage(StoreName, namedPath)
            .AddSqliteGrainStorageAsDefault(defaultPath));
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return cluster;
    }
}
