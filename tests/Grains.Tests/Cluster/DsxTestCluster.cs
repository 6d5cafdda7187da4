using Dsx.BoardHost;
using Dsx.Model;
using Dsx.Silo;
using Dsx.Wire;
using Google.Protobuf;
using Orleans.TestingHost;

namespace Dsx.Grains.Tests.Cluster;

/// <summary>
/// A one-silo in-process cluster configured as <c>dsx silo</c> is (SQLite state in a fresh folder), with local boards
/// on the real executor, and helpers to upload a zoo model and start explorations on it.
/// </summary>
internal sealed class DsxTestCluster : IAsyncDisposable
{
    private readonly InProcessTestCluster _cluster;
    private readonly string _folder;

    private DsxTestCluster(InProcessTestCluster cluster, string folder)
    {
        _cluster = cluster;
        _folder = folder;
    }

    public IClusterClient Client => _cluster.Client;

    public IBoardFarmGrain Farm => Client.GetGrain<IBoardFarmGrain>(0);

    /// <summary>The silo's SQLite file.</summary>
    public string DatabasePath => Path.Combine(_folder, "dsx.db");

    /// <param name="measurementTimeout">How long a board request may run before its executor is taken for hung (null: the default).</param>
    public static async Task<DsxTestCluster> StartAsync(int localBoards, TimeSpan? measurementTimeout = null)
    {
        var folder = Path.Combine(Path.GetTempPath(), "dsx-cluster-tests", Guid.NewGuid().ToString("N"));
        var options = new DsxSiloOptions
        {
            DatabasePath = Path.Combine(folder, "dsx.db"),
            LocalBoards = localBoards,
            // Only local boards need the native executor (replay boards do not).
            ExecutorPath = localBoards > 0 ? ExecutorLocator.Locate() : null,
            MeasurementTimeout = measurementTimeout ?? BoardOptions.Default.MeasurementTimeout,
        };
        var builder = new InProcessTestClusterBuilder(1);
        builder.ConfigureSilo((_, silo) => silo.AddDsx(options));
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return new DsxTestCluster(cluster, folder);
    }

    /// <summary>Uploads a zoo model; returns its hash.</summary>
    public async Task<string> UploadAsync(string zooName)
    {
        var graph = ModelZoo.Build(zooName);
        var hash = ModelHash.Of(graph);
        await Client.GetGrain<IModelGrain>(hash).PutAsync(graph.Name, graph.ToByteArray());
        return hash;
    }

    public static ExplorationSpec Spec(string model, string hash, int episodes, int batch = 1, string kind = "local") =>
        new(model, hash, kind, "qlearning", episodes, batch, "latency", AllowInt8: false, SeedPlans: true, Seed: 1, Repeats: 3, Warmup: 1,
            ConfirmTopK: 2, FinalRounds: 1, CalibrationSize: 4);

    /// <summary>Polls until the exploration leaves Running, or fails the test after <paramref name="limit"/>.</summary>
    public async Task<ExplorationSummary> WaitAsync(string id, TimeSpan limit)
    {
        var grain = Client.GetGrain<IExplorationGrain>(id);
        var until = DateTime.UtcNow + limit;
        while (true)
        {
            var summary = await grain.GetSummaryAsync();
            if (summary.Status is not (ExplorationStatus.Running or ExplorationStatus.Created))
            {
                return summary;
            }

            Assert.True(DateTime.UtcNow < until, $"exploration {id} still running after {limit}: episode {summary.Episode}");
            await Task.Delay(100);
        }
    }

    /// <summary>Every measurement the store recorded for a model on a kind, with the board and executor-side times of each.</summary>
    public async Task<IReadOnlyList<(string Key, string Board, long StartNs, long EndNs)>> MeasurementsAsync(string hash, string kind = "local")
    {
        var keys = await Client.GetGrain<IMeasurementStoreGrain>($"{kind}/{hash}").GetRecordedKeysAsync();
        var list = new List<(string, string, long, long)>();
        foreach (var key in keys)
        {
            var outcome = await Client.GetGrain<IEpisodeGrain>(key).GetOutcomeAsync();
            Assert.NotNull(outcome);
            var reply = MeasureReply.Parser.ParseFrom(outcome.Reply);
            list.Add((key, outcome.BoardId, reply.StartUnixNs, reply.EndUnixNs));
        }

        return list;
    }

    public async ValueTask DisposeAsync()
    {
        await _cluster.StopAllSilosAsync();
        await _cluster.DisposeAsync();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // Left for the OS: a failed clean-up must not fail the test.
        }
    }
}
