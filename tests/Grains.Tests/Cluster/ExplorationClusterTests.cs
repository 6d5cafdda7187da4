using System.Runtime.Versioning;
using Dsx.BoardHost;
using Dsx.BoardHost.Tests;
using Dsx.Model;
using Dsx.Search;
using Dsx.Wire;
using Google.Protobuf;

namespace Dsx.Grains.Tests.Cluster;

/// <summary>The grains' contracts on an in-process cluster with local boards on the real executor (tiny_cnn: quick to measure).</summary>
public sealed class ExplorationClusterTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(3);

    [ExecutorFact]
    public async Task An_exploration_completes_on_two_boards_with_its_budget_its_best_plan_and_the_baseline()
    {
        await using var cluster = await DsxTestCluster.StartAsync(localBoards: 2);
        var hash = await cluster.UploadAsync("tiny_cnn");

        await cluster.Client.GetGrain<IExplorationGrain>("e").StartAsync(DsxTestCluster.Spec("tiny_cnn", hash, episodes: 16, batch: 2));
        var summary = await cluster.WaitAsync("e", Limit);

        Assert.Equal(ExplorationStatus.Completed, summary.Status);
        Assert.Equal(16, summary.Episode);
        Assert.Equal(16, summary.BestCostByEpisode.Count);
        Assert.True(summary.BestLatencyMs > 0 && summary.BaselineLatencyMs > 0);
        var report = await cluster.Client.GetGrain<IExplorationGrain>("e").GetReportAsync();
        Assert.Equal(ModelZoo.Build("tiny_cnn").Nodes.Count, report.BestPlan.Count);
        Assert.NotEmpty(PlanJson.Parse(report.BestPlanJson!).Layers);
        Assert.NotEmpty(report.ParetoFront);

        // Both boards measured; every measurement is in the shared store once.
        var boards = await cluster.Farm.ListAsync();
        Assert.All(boards, b => Assert.True(b.Measurements > 0, $"{b.Registration.Id} measured nothing"));
        var measurements = await cluster.MeasurementsAsync(hash);
        Assert.Equal(measurements.Count, measurements.Select(m => m.Key).Distinct().Count());
        var table = MeasurementTable.Parse((await cluster.Client.GetGrain<IMeasurementStoreGrain>($"local/{hash}").GetTableAsync())!);
        Assert.Equal(measurements.Count, table.Measurements);
        Assert.Equal("local", table.Board.Kind);
    }

    [ExecutorFact]
    public async Task Four_explorations_share_two_boards_and_no_two_measurements_overlap_on_one_board()
    {
        await using var cluster = await DsxTestCluster.StartAsync(localBoards: 2);
        var hash = await cluster.UploadAsync("tiny_cnn");
        var ids = new[] { "s1", "s2", "s3", "s4" };

        await Task.WhenAll(ids.Select((id, i) =>
            cluster.Client.GetGrain<IExplorationGrain>(id).StartAsync(DsxTestCluster.Spec("tiny_cnn", hash, episodes: 10) with { Seed = (ulong)i + 1 })));
        var summaries = await Task.WhenAll(ids.Select(id => cluster.WaitAsync(id, Limit)));

        Assert.All(summaries, s => Assert.Equal(ExplorationStatus.Completed, s.Status));
        Assert.All(summaries, s => Assert.Equal(10, s.Episode));
        var measurements = await cluster.MeasurementsAsync(hash);
        // One store for the model on the kind, fed by every exploration.
        Assert.All(ids, id => Assert.Contains(measurements, m => m.Key.StartsWith(id + "/", StringComparison.Ordinal)));
        var byBoard = measurements.GroupBy(m => m.Board).ToList();
        Assert.Equal(2, byBoard.Count);
        foreach (var board in byBoard)
        {
            var runs = board.OrderBy(m => m.StartNs).ToList();
            for (var i = 1; i < runs.Count; i++)
            {
                Assert.True(runs[i - 1].EndNs <= runs[i].StartNs, $"{runs[i - 1].Key} and {runs[i].Key} overlap on board {board.Key}");
            }
        }
    }

    [ExecutorFact]
    public async Task A_repeated_episode_is_answered_from_its_kept_outcome_without_the_board()
    {
        await using var cluster = await DsxTestCluster.StartAsync(localBoards: 1);
        var hash = await cluster.UploadAsync("tiny_cnn");
        var request = new EpisodeRequest(
            "x", "local", hash, "", [], PlanFactory.Baseline(ModelZoo.Build("tiny_cnn")).ToByteArray(), 0, 2, 1, null, 0);
        var episode = cluster.Client.GetGrain<IEpisodeGrain>("x/baseline");

        var first = await episode.RunAsync(request);
        var second = await episode.RunAsync(request);

        Assert.False(first.Replayed);
        Assert.True(second.Replayed);
        Assert.Equal(first.Reply, second.Reply);
        Assert.Equal(1, (await cluster.Farm.ListAsync()).Sum(b => b.Measurements));
    }

    [ExecutorFact]
    public async Task A_board_whose_executor_cannot_start_is_quarantined_and_the_exploration_completes_on_another()
    {
        await using var cluster = await DsxTestCluster.StartAsync(localBoards: 1);
        await cluster.Farm.AddAsync(new BoardRegistration("broken", "local", "local", "/nonexistent/dsx-executor", null, null, null, null, null, null, null));
        var hash = await cluster.UploadAsync("tiny_cnn");

        await cluster.Client.GetGrain<IExplorationGrain>("q").StartAsync(DsxTestCluster.Spec("tiny_cnn", hash, episodes: 8));
        var summary = await cluster.WaitAsync("q", Limit);

        Assert.Equal(ExplorationStatus.Completed, summary.Status);
        Assert.Equal(8, summary.Episode);
        var broken = Assert.Single(await cluster.Farm.ListAsync(), b => b.Registration.Id == "broken");
        Assert.Equal(BoardState.Quarantined, broken.State);
        Assert.True(broken.Failures >= FarmScheduler.QuarantineAfter);
        // Its leases went back to the queue: it holds none, measured nothing, and no episode failed for it.
        Assert.Null(broken.Exploration);
        Assert.Equal(0, broken.Measurements);
        Assert.Equal(0, summary.Failures);
        Assert.Contains("/nonexistent/dsx-executor", broken.LastError, StringComparison.Ordinal);
        Assert.All(await cluster.MeasurementsAsync(hash), m => Assert.Equal("local-0", m.Board));
    }

    [ExecutorFact, SupportedOSPlatform("linux")]
    public async Task A_board_whose_executor_keeps_crashing_is_quarantined_and_its_episodes_run_on_another()
    {
        // The executor sees only the first 200 bytes of its input (dd passes them on unbuffered, head would hold them): the
        // handshake, then part of a model, so it dies during every model load, without a layer to blame.
        var script = Path.Combine(Path.GetTempPath(), $"dsx-crashing-executor-{Guid.NewGuid():N}.sh");
        await File.WriteAllTextAsync(script, $"#!/bin/sh\ndd bs=1 count=200 status=none | exec '{ExecutorLocator.Locate()}' \"$@\"\n");
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        try
        {
            await using var cluster = await DsxTestCluster.StartAsync(localBoards: 1);
            await cluster.Farm.AddAsync(new BoardRegistration("crashing", "local", "local", script, null, null, null, null, null, null, null));
            var hash = await cluster.UploadAsync("tiny_cnn");

            await cluster.Client.GetGrain<IExplorationGrain>("c").StartAsync(DsxTestCluster.Spec("tiny_cnn", hash, episodes: 8, batch: 2));
            var summary = await cluster.WaitAsync("c", Limit);

            Assert.Equal(ExplorationStatus.Completed, summary.Status);
            Assert.Equal(8, summary.Episode);
            Assert.Equal(0, summary.Failures);
            var crashing = Assert.Single(await cluster.Farm.ListAsync(), b => b.Registration.Id == "crashing");
            Assert.Equal(BoardState.Quarantined, crashing.State);
            Assert.Equal(0, crashing.Measurements);
            Assert.All(await cluster.MeasurementsAsync(hash), m => Assert.Equal("local-0", m.Board));
        }
        finally
        {
            File.Delete(script);
        }
    }

    [ExecutorFact]
    public async Task Pause_stops_an_exploration_after_its_step_and_resume_finishes_it_with_its_budget()
    {
        await using var cluster = await DsxTestCluster.StartAsync(localBoards: 1);
        var hash = await cluster.UploadAsync("tiny_cnn");
        var grain = cluster.Client.GetGrain<IExplorationGrain>("p");
        await grain.StartAsync(DsxTestCluster.Spec("tiny_cnn", hash, episodes: 30) with { Repeats = 20 });
        while ((await grain.GetSummaryAsync()).Episode < 3)
        {
            await Task.Delay(20);
        }

        Assert.Equal(ExplorationStatus.Paused, (await grain.PauseAsync()).Status);
        await Task.Delay(500);
        var paused = await grain.GetSummaryAsync();
        await Task.Delay(1000);
        Assert.Equal(paused.Episode, (await grain.GetSummaryAsync()).Episode);
        Assert.True(paused.Episode < 30);

        Assert.Equal(ExplorationStatus.Running, (await grain.ResumeAsync()).Status);
        var done = await cluster.WaitAsync("p", Limit);
        Assert.Equal(ExplorationStatus.Completed, done.Status);
        Assert.Equal(30, done.Episode);
        Assert.Equal(30, done.BestCostByEpisode.Count);
    }

    [ExecutorFact]
    public async Task A_spec_is_checked_started_once_and_an_unknown_board_kind_fails_saying_what_to_do()
    {
        await using var cluster = await DsxTestCluster.StartAsync(localBoards: 1);
        var hash = await cluster.UploadAsync("tiny_cnn");
        var spec = DsxTestCluster.Spec("tiny_cnn", hash, episodes: 4);

        var bad = await Assert.ThrowsAsync<ArgumentException>(() => cluster.Client.GetGrain<IExplorationGrain>("b").StartAsync(spec with { Strategy = "annealing" }));
        Assert.Contains("unknown strategy 'annealing'", bad.Message, StringComparison.Ordinal);

        var grain = cluster.Client.GetGrain<IExplorationGrain>("k");
        await grain.StartAsync(spec with { BoardKind = "cortex-a53" });
        Assert.Equal("cortex-a53", (await grain.StartAsync(spec with { BoardKind = "cortex-a53" })).Spec!.BoardKind);
        await Assert.ThrowsAsync<ArgumentException>(() => grain.StartAsync(spec));
        var failed = await cluster.WaitAsync("k", Limit);
        Assert.Equal(ExplorationStatus.Failed, failed.Status);
        Assert.Contains("no board of kind 'cortex-a53'", failed.Error, StringComparison.Ordinal);
        Assert.Contains("dsx boards add", failed.Error, StringComparison.Ordinal);
    }

    [ExecutorFact]
    public async Task A_learner_answers_a_repeated_episode_as_before_and_learns_an_episode_once()
    {
        await using var cluster = await DsxTestCluster.StartAsync(localBoards: 0);
        var (learner, local) = await LearnerAsync(cluster);

        var first = await learner.ProposeAsync(1, 3, []);
        Assert.Equal(first, await learner.ProposeAsync(1, 3, []));
        Assert.Equal(first, local.Propose(3).Select(p => p.Choices.ToArray()));
        EpisodeObservation Observation(int episode) =>
            new(first[episode - 1], [.. first[episode - 1].Select(c => 1.0 + c + episode)], first[episode - 1].Sum() + episode, null, episode);

        // Episode 2 comes back first, then 3 and (observed again after a crash) 2; episode 1 is still out.
        await learner.ObserveAsync([Observation(2)]);
        var fourth = await learner.ProposeAsync(4, 1, []);
        await learner.ObserveAsync([Observation(3), Observation(2)]);
        Assert.Equal(fourth, await learner.ProposeAsync(4, 1, []));
        local.Observe([ToResult(Observation(2))]);
        Assert.Equal(fourth, local.Propose(1).Select(p => p.Choices.ToArray()));
        local.Observe([ToResult(Observation(3))]);

        // A resumed exploration that asks episodes 4 and 5 together gets episode 4's plan as before and a new one.
        var next = await learner.ProposeAsync(4, 2, []);
        Assert.Equal(fourth[0], next[0]);
        Assert.Equal(local.Propose(1).Select(p => p.Choices.ToArray()), next.Skip(1));
    }

    [ExecutorFact]
    public async Task A_learner_learns_what_comes_with_a_proposal_first_keeps_it_across_activations_and_learns_it_once()
    {
        await using var cluster = await DsxTestCluster.StartAsync(localBoards: 0);
        var (learner, local) = await LearnerAsync(cluster);
        var first = await learner.ProposeAsync(1, 4, []);
        local.Propose(4);
        EpisodeObservation Observation(int episode) =>
            new(first[episode - 1], [.. first[episode - 1].Select(c => 2.0 + c * episode)], first[episode - 1].Sum() * episode, null, episode);

        // One turn: episodes 2 and 1 came back; the plans of 5 and 6 are asked with them, as a strategy that learned them first would propose.
        var turn = await learner.ProposeAsync(5, 2, [Observation(2), Observation(1)]);
        local.Observe([ToResult(Observation(2)), ToResult(Observation(1))]);
        Assert.Equal(local.Propose(2).Select(p => p.Choices.ToArray()), turn);

        // The grain's state kept what it learned with the proposal: a new activation, shown episode 1 again (a resumed
        // exploration's replay) with episode 3, learns only episode 3 and then proposes what the strategy would.
        await cluster.Client.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);
        var next = await learner.ProposeAsync(7, 1, [Observation(1), Observation(3)]);
        local.Observe([ToResult(Observation(3))]);
        Assert.Equal(local.Propose(1).Select(p => p.Choices.ToArray()), next);
    }

    /// <summary>A learner grain on tiny_cnn's recorded table, and the same strategy held locally to compare with.</summary>
    private static async Task<(ILearnerGrain Grain, ISearchStrategy Local)> LearnerAsync(DsxTestCluster cluster)
    {
        var json = await File.ReadAllTextAsync(Path.Combine(ExecutorLocator.FindRepositoryRoot(AppContext.BaseDirectory)!, "bench", "tables", "tiny_cnn.json"));
        await cluster.Client.GetGrain<IMeasurementStoreGrain>("local/t").CreateAsync(json);
        var learner = cluster.Client.GetGrain<ILearnerGrain>("l");
        await learner.InitializeAsync(new LearnerSpec("qlearning", 5, 50, "local/t", AllowInt8: true));
        return (learner, StrategyFactory.Create("qlearning", MeasurementTable.Parse(json).Space, 5, 50));
    }

    private static EpisodeResult ToResult(EpisodeObservation o) => new(new CandidatePlan(o.Plan), o.LayerCosts, o.TotalCost, o.FailedLayer);
}
