using System.CommandLine;
using System.Text.Json;
using Dsx.Grains;

namespace Dsx.Cli;

/// <summary><c>dsx status</c>, <c>pause</c>, <c>resume</c>, <c>cancel</c>, <c>report</c>, <c>export</c>: reading and steering explorations.</summary>
internal static class ExplorationCommands
{
    public static IEnumerable<Command> Create() => [Status(), Steer("pause"), Steer("resume"), Steer("cancel"), Report(), Export()];

    private static Command Status()
    {
        var id = new Argument<string?>("id") { Description = "One exploration (default: all of them).", Arity = ArgumentArity.ZeroOrOne };
        var json = new Option<bool>("--json") { Description = "Print JSON." };
        var follow = new Option<bool>("--follow") { Description = "With an id: show progress until it ends, then its report." };
        var gateway = ClientVerb.GatewayOption();
        var clusterId = ClientVerb.ClusterIdOption();
        var command = new Command("status", "The explorations and how far each is, or one in detail.") { id, json, follow, gateway, clusterId };
        command.SetAction((r, ct) => ClientVerb.RunAsync(r, async client =>
        {
            if (r.GetValue(id) is { } one)
            {
                if (r.GetValue(follow))
                {
                    await KnownAsync(client, one);
                    return await ExplorationFollower.FollowAsync(client, one, ct);
                }

                var summary = await KnownAsync(client, one);
                Console.Write(r.GetValue(json) ? JsonSerializer.Serialize(summary, JsonOutput.Options) + "\n" : ExplorationText.Summary(summary));
                return ExitCodes.Ok;
            }

            if (r.GetValue(follow))
            {
                throw new UsageException("--follow needs an exploration id.");
            }

            var ids = await client.GetGrain<IExplorationRegistryGrain>(0).ListAsync();
            var all = await Task.WhenAll(ids.Select(i => client.GetGrain<IExplorationGrain>(i).GetSummaryAsync()));
            Console.Write(r.GetValue(json) ? JsonSerializer.Serialize(all, JsonOutput.Options) + "\n"
                : all.Length == 0 ? "no explorations yet: start one with 'dsx explore MODEL --board-kind KIND'\n"
                : ExplorationText.StatusTable(all));
            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    private static Command Steer(string verb)
    {
        var id = new Argument<string>("id") { Description = "The exploration." };
        var gateway = ClientVerb.GatewayOption();
        var clusterId = ClientVerb.ClusterIdOption();
        var what = verb switch
        {
            "pause" => "Pause an exploration after its measurements in flight; 'dsx resume' continues it from its last step.",
            "resume" => "Resume a paused (or failed) exploration from its last step.",
            _ => "Cancel an exploration for good (its measurements stay in the store).",
        };
        var command = new Command(verb, what) { id, gateway, clusterId };
        command.SetAction((r, ct) => ClientVerb.RunAsync(r, async client =>
        {
            await KnownAsync(client, r.GetValue(id)!);
            var grain = client.GetGrain<IExplorationGrain>(r.GetValue(id)!);
            var summary = verb switch
            {
                "pause" => await grain.PauseAsync(),
                "resume" => await grain.ResumeAsync(),
                _ => await grain.CancelAsync(),
            };
            await Console.Error.WriteLineAsync($"exploration '{summary.Id}': {summary.Status.ToString().ToLowerInvariant()}");
            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    private static Command Report()
    {
        var id = new Argument<string>("id") { Description = "The exploration." };
        var json = new Option<bool>("--json") { Description = "Print JSON." };
        var output = new Option<string?>("--output", "-o") { Description = "Write a report file (report.md or report.html) with its PNG plots beside it." };
        var format = new Option<string?>("--format") { Description = "md or html (default: from the -o file's extension)." };
        format.AcceptOnlyFromAmong("md", "html");
        var gateway = ClientVerb.GatewayOption();
        var clusterId = ClientVerb.ClusterIdOption();
        var command = new Command("report", "The best plan per layer against the baseline, the accuracy verdict and the Pareto front; with -o, a Markdown or HTML report with plots.")
        {
            id, json, output, format, gateway, clusterId,
        };
        command.SetAction((r, ct) => ClientVerb.RunAsync(r, async client =>
        {
            if (r.GetValue(format) is not null && r.GetValue(output) is null)
            {
                throw new UsageException("--format needs -o FILE.");
            }

            await KnownAsync(client, r.GetValue(id)!);
            var report = await client.GetGrain<IExplorationGrain>(r.GetValue(id)!).GetReportAsync();
            if (r.GetValue(output) is { } path)
            {
                var images = ReportWriter.Write(report, path, r.GetValue(format));
                await Console.Error.WriteLineAsync($"wrote {path} and {string.Join(", ", images.Select(Path.GetFileName))}");
                return ExitCodes.Ok;
            }

            Console.Write(r.GetValue(json) ? JsonSerializer.Serialize(report, JsonOutput.Options) + "\n" : ExplorationText.Report(report));
            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    private static Command Export()
    {
        var id = new Argument<string>("id") { Description = "The exploration." };
        var output = new Option<string>("--output", "-o") { Description = "The plan file to write (as read by 'dsx run --plan').", Required = true };
        var gateway = ClientVerb.GatewayOption();
        var clusterId = ClientVerb.ClusterIdOption();
        var command = new Command("export", "Write an exploration's best plan as a plan file.") { id, output, gateway, clusterId };
        command.SetAction((r, ct) => ClientVerb.RunAsync(r, async client =>
        {
            await KnownAsync(client, r.GetValue(id)!);
            var report = await client.GetGrain<IExplorationGrain>(r.GetValue(id)!).GetReportAsync();
            if (report.BestPlanJson is not { } plan)
            {
                throw new IOException($"exploration '{r.GetValue(id)}' has no best plan yet ({report.Summary.Status.ToString().ToLowerInvariant()})");
            }

            await File.WriteAllTextAsync(r.GetValue(output)!, plan, ct);
            await Console.Error.WriteLineAsync($"wrote the best plan of '{r.GetValue(id)}' to {r.GetValue(output)}");
            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    /// <summary>The exploration's summary; an id nobody started is a usage error, not an empty grain.</summary>
    private static async Task<ExplorationSummary> KnownAsync(IClusterClient client, string id)
    {
        var summary = await client.GetGrain<IExplorationGrain>(id).GetSummaryAsync();
        return summary.Spec is null
            ? throw new UsageException($"no exploration '{id}'; 'dsx status' lists them.")
            : summary;
    }
}
