using System.CommandLine;
using System.Globalization;
using Dsx.BoardHost;
using Dsx.Grains;
using Google.Protobuf;

namespace Dsx.Cli;

/// <summary>
/// <c>dsx explore MODEL --board-kind K</c>: uploads the model to the cluster, starts an exploration on the farm's boards
/// of that kind, prints its id; with <c>--follow</c>, shows its progress until it ends and prints the report.
/// </summary>
internal static class ExploreCommand
{
    public static Command Create()
    {
        var model = new Argument<string>("model") { Description = "zoo:NAME for a built-in model, or the path of an ONNX file." };
        var boardKind = new Option<string>("--board-kind") { Description = "The kind of board to measure on (see 'dsx boards list').", DefaultValueFactory = _ => "local" };
        var strategy = new Option<string>("--strategy") { Description = "random, greedy, qlearning or dqn.", DefaultValueFactory = _ => "qlearning" };
        var episodes = new Option<int>("--episodes") { Description = "Plans the strategy proposes (the budget).", DefaultValueFactory = _ => 100 };
        var batch = new Option<int>("--batch") { Description = "Episodes out at once, measured in parallel on the kind's boards; the strategy sees each result as it comes back and proposes the next.", DefaultValueFactory = _ => 1 };
        var objective = new Option<string>("--objective")
        {
            Description = "latency, memory, weighted:MS_PER_MIB or latency-cap:SIZE.",
            DefaultValueFactory = _ => "latency",
        };
        var noInt8 = new Option<bool>("--no-int8") { Description = "Search FP32 choices only (by default INT8 plans are allowed, checked by the accuracy guard)." };
        var noSeeds = new Option<bool>("--no-seed-plans") { Description = "Do not measure the single-library plans first." };
        var seed = new Option<ulong>("--seed") { Description = "Seed of the strategy and the generated inputs.", DefaultValueFactory = _ => 1 };
        var repeats = new Option<int>("--repeats") { Description = "Timed runs per measurement.", DefaultValueFactory = _ => 5 };
        var warmup = new Option<int>("--warmup") { Description = "Untimed runs per measurement.", DefaultValueFactory = _ => 1 };
        var confirmTop = new Option<int>("--confirm-top") { Description = "Best predicted plans confirmed end-to-end at the end.", DefaultValueFactory = _ => 3 };
        var finalRounds = new Option<int>("--final-rounds") { Description = "Run-off rounds of the finalists, the best seed plan and the baseline at the end.", DefaultValueFactory = _ => 2 };
        var calibrationSize = new Option<int>("--calibration-size") { Description = "Seeded calibration inputs for the accuracy guard.", DefaultValueFactory = _ => 8 };
        var id = new Option<string>("--id") { Description = "The exploration's id (default: MODEL-TIME)." };
        var follow = new Option<bool>("--follow") { Description = "Show progress until the exploration ends, then its report." };
        var count = new Option<int>("--count")
        {
            Description = "Start this many explorations of the spec at once (ids ID-1..ID-N, seeds SEED..SEED+N-1): a load on the farm.",
            DefaultValueFactory = _ => 1,
        };
        count.AtLeast(1);
        var inputShape = new Option<string[]>("--input-shape") { Description = "ONNX models only: NAME=1x3x224x224 (repeatable)." };
        var gateway = ClientVerb.GatewayOption();
        var clusterId = ClientVerb.ClusterIdOption();
        var command = new Command(
            "explore",
            "Start an exploration on the cluster: the learner proposes plans, the farm's boards of the kind measure them, the best is confirmed end-to-end.")
        {
            model, boardKind, strategy, episodes, batch, objective, noInt8, noSeeds, seed, repeats, warmup, confirmTop, finalRounds, calibrationSize,
            id, follow, count, inputShape, gateway, clusterId,
        };
        command.SetAction((r, ct) => ClientVerb.RunAsync(r, async client =>
        {
            var graph = ModelSource.Load(r.GetValue(model)!, r.GetValue(inputShape) ?? []);
            var hash = ModelHash.Of(graph);
            await client.GetGrain<IModelGrain>(hash).PutAsync(graph.Name, graph.ToByteArray());
            var copies = r.GetValue(count);
            if (copies > 1 && r.GetValue(follow))
            {
                throw new UsageException("--follow shows one exploration; start several with --count, then follow one with 'dsx status'.");
            }

            var baseId = r.GetValue(id) ?? string.Create(CultureInfo.InvariantCulture, $"{graph.Name}-{DateTime.UtcNow:yyyyMMdd-HHmmss}");
            ExplorationSummary? summary = null;
            for (var k = 0; k < copies; k++)
            {
                var spec = new ExplorationSpec(
                    graph.Name, hash, r.GetValue(boardKind)!, r.GetValue(strategy)!, r.GetValue(episodes), r.GetValue(batch), r.GetValue(objective)!,
                    !r.GetValue(noInt8), !r.GetValue(noSeeds), r.GetValue(seed) + (ulong)k, r.GetValue(repeats), r.GetValue(warmup), r.GetValue(confirmTop),
                    r.GetValue(finalRounds), r.GetValue(calibrationSize));
                var explorationId = copies == 1 ? baseId : string.Create(CultureInfo.InvariantCulture, $"{baseId}-{k + 1}");
                summary = await client.GetGrain<IExplorationGrain>(explorationId).StartAsync(spec);
                Console.WriteLine(summary.Id);
                await Console.Error.WriteLineAsync(
                    $"started exploration '{summary.Id}': {graph.Name} on '{spec.BoardKind}' boards, {spec.Strategy} for {spec.Episodes} episodes; "
                    + $"'dsx status {summary.Id}' shows it");
            }

            return r.GetValue(follow) ? await ExplorationFollower.FollowAsync(client, summary!.Id, ct) : ExitCodes.Ok;
        }, ct));
        return command;
    }
}
