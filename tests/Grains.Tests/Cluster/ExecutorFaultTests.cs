using Dsx.BoardHost;
using Dsx.BoardHost.Tests;
using Dsx.Model;
using Dsx.Search;
using Dsx.Wire;
using Google.Protobuf;

namespace Dsx.Grains.Tests.Cluster;

/// <summary>
/// Executor faults injected on the real executor (<c>DSX_EXECUTOR_FAULTS</c>: its fault primitives, offered for every
/// Conv layer of the board's design space): a crash in a primitive and a hang, on an in-process cluster.
/// </summary>
public sealed class ExecutorFaultTests
{
    [ExecutorFact]
    public async Task A_crash_in_a_primitive_fails_its_episode_naming_it_marks_the_choice_for_the_kind_and_later_explorations_avoid_it()
    {
        await using var cluster = await DsxTestCluster.StartAsync(localBoards: 0);
        await cluster.Farm.AddAsync(FaultyBoard("faulty", "fault_crash"));
        var hash = await cluster.UploadAsync("tiny_cnn");
        var store = cluster.Client.GetGrain<IMeasurementStoreGrain>($"local/{hash}");
        var space = await SpaceAsync(cluster, "faulty", hash);
        await store.CreateAsync(new MeasurementTable(space, new BoardDescription("local", "x86_64", false, "test", 1)).ToJson());
        var (plan, layer) = PlanWith(space, "fault_crash");
        var board = cluster.Client.GetGrain<IBoardGrain>("faulty");
        var before = await board.GetProcessIdAsync();

        var outcome = await cluster.Client.GetGrain<IEpisodeGrain>("x/crash").RunAsync(new EpisodeRequest(
            "x", "local", hash, $"local/{hash}", [.. plan.Choices], space.ToWirePlan(plan).ToByteArray(), 0, 1, 1, null, 0));

        // The episode fails naming the layer and the primitive; the executor was restarted; the board is not blamed.
        Assert.False(outcome.Succeeded);
        Assert.Equal(space.Layers[layer].Name, outcome.FailedLayer);
        Assert.Contains("signal 11", outcome.Failure, StringComparison.Ordinal);
        Assert.Contains("primitive 'fault_crash'", outcome.Failure, StringComparison.Ordinal);
        Assert.Contains("[executor restarted]", outcome.Failure, StringComparison.Ordinal);
        Assert.NotEqual(before, await board.GetProcessIdAsync());
        var info = Assert.Single(await cluster.Farm.ListAsync());
        Assert.Equal((BoardState.Idle, 0), (info.State, info.Failures));
        // The choice is failing in the kind's store, so another exploration of the kind leaves it out of its space.
        var table = MeasurementTable.Parse((await store.GetTableAsync())!);
        Assert.NotNull(table.Failure(layer, plan[layer]));
        var choiceId = SearchSpace.ChoiceId(space.Layers[layer].Name, space.Choice(plan, layer).Key);

        await cluster.Client.GetGrain<IExplorationGrain>("later").StartAsync(DsxTestCluster.Spec("tiny_cnn", hash, episodes: 10, batch: 2));
        var summary = await cluster.WaitAsync("later", TimeSpan.FromMinutes(3));

        // It may meet fault_crash in other layers: each fails its episode once and the exploration completes regardless.
        Assert.Equal(ExplorationStatus.Completed, summary.Status);
        Assert.Equal(10, summary.Episode);
        var kept = await cluster.Client.GetGrain<ILearnerGrain>("later").InitializeAsync(new LearnerSpec("qlearning", 1, 10, $"local/{hash}", false));
        Assert.Contains(choiceId, kept.Excluded!);
        var after = MeasurementTable.Parse((await store.GetTableAsync())!);
        Assert.True(after.Measurements > table.Measurements);
        Assert.Contains(choiceId, after.FailingChoices());
    }

    [ExecutorFact]
    public async Task A_hang_times_out_restarts_and_probes_the_executor_and_blames_the_plan_not_the_board()
    {
        await using var cluster = await DsxTestCluster.StartAsync(localBoards: 0, measurementTimeout: TimeSpan.FromSeconds(3));
        await cluster.Farm.AddAsync(FaultyBoard("hanging", "fault_hang"));
        var hash = await cluster.UploadAsync("tiny_cnn");
        var space = await SpaceAsync(cluster, "hanging", hash);
        var (plan, _) = PlanWith(space, "fault_hang");
        var board = cluster.Client.GetGrain<IBoardGrain>("hanging");
        var before = await board.GetProcessIdAsync();

        var outcome = await cluster.Client.GetGrain<IEpisodeGrain>("h/hang").RunAsync(new EpisodeRequest(
            "h", "local", hash, "", [.. plan.Choices], space.ToWirePlan(plan).ToByteArray(), 0, 1, 1, null, 0));

        Assert.False(outcome.Succeeded);
        Assert.Equal("", outcome.FailedLayer);
        Assert.Contains("executor hung", outcome.Failure, StringComparison.Ordinal);
        Assert.Contains("passed its probe", outcome.Failure, StringComparison.Ordinal);
        Assert.NotEqual(before, await board.GetProcessIdAsync());
        var info = Assert.Single(await cluster.Farm.ListAsync());
        Assert.Equal((BoardState.Idle, 0), (info.State, info.Failures));
        // The restarted executor measures the next plan.
        var good = await cluster.Client.GetGrain<IEpisodeGrain>("h/good").RunAsync(new EpisodeRequest(
            "h", "local", hash, "", [], PlanFactory.Baseline(ModelZoo.Build("tiny_cnn")).ToByteArray(), 0, 1, 1, null, 0));
        Assert.True(good.Succeeded, good.Failure);
    }

    private static BoardRegistration FaultyBoard(string id, string fault) => new(
        id, "local", "local", ExecutorLocator.Locate(), null, null, null, null, null, null, new Dictionary<string, string> { ["DSX_EXECUTOR_FAULTS"] = fault });

    /// <summary>The model's search space on the board, as an exploration builds it.</summary>
    private static async Task<SearchSpace> SpaceAsync(DsxTestCluster cluster, string boardId, string hash)
    {
        var described = await cluster.Client.GetGrain<IBoardGrain>(boardId).DescribeAsync(hash);
        var hello = HelloReply.Parser.ParseFrom(described.Hello);
        return SearchSpace.From("tiny_cnn", ModelZoo.Build("tiny_cnn"), DesignSpace.From(DesignSpaceReply.Parser.ParseFrom(described.DesignSpace), hello));
    }

    /// <summary>A plan running <paramref name="primitive"/> in the first layer that offers it, and a real primitive everywhere else.</summary>
    private static (CandidatePlan Plan, int Layer) PlanWith(SearchSpace space, string primitive)
    {
        var layer = space.Layers.First(l => l.Choices.Any(c => c.Primitive == primitive)).Index;
        var choices = space.Layers.Select(l => l.Index == layer
            ? l.Choices.ToList().FindIndex(c => c.Primitive == primitive)
            : l.Choices.ToList().FindIndex(c => !c.Primitive.StartsWith("fault_", StringComparison.Ordinal)));
        return (new CandidatePlan(choices), layer);
    }
}
