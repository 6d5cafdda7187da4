using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Dsx.Grains;
using Dsx.Silo;

namespace Dsx.Cli;

/// <summary><c>dsx boards list|add|remove</c>: the board farm of the cluster.</summary>
internal static class BoardsCommand
{
    public static Command Create()
    {
        var command = new Command("boards", "The board farm: list the boards, add or remove one, load a boards.yaml.");
        command.Subcommands.Add(List());
        command.Subcommands.Add(Add());
        command.Subcommands.Add(Remove());
        command.Subcommands.Add(Load());
        return command;
    }

    private static Command List()
    {
        var gateway = ClientVerb.GatewayOption();
        var clusterId = ClientVerb.ClusterIdOption();
        var json = new Option<bool>("--json") { Description = "Print JSON instead of a table." };
        var command = new Command("list", "Every board: id, kind, launch, state, current exploration, measurements, failures.") { gateway, clusterId, json };
        command.SetAction((r, ct) => ClientVerb.RunAsync(r, async client =>
        {
            var boards = await client.GetGrain<IBoardFarmGrain>(0).ListAsync();
            if (r.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(boards, JsonOutput.Options));
                return ExitCodes.Ok;
            }

            var table = new TextTable("board", "kind", "launch", "state", "exploration", "measurements", "failures", "last error") { LeftAlignedColumns = 5 };
            foreach (var b in boards)
            {
                table.AddRow(
                    b.Registration.Id, b.Registration.Kind, Describe(b.Registration), b.State.ToString().ToLowerInvariant(), b.Exploration ?? "-",
                    b.Measurements.ToString(CultureInfo.InvariantCulture), b.Failures.ToString(CultureInfo.InvariantCulture), b.LastError ?? "");
            }

            Console.Write(boards.Count == 0 ? "no boards: add one with 'dsx boards add', or start the silo with --local-boards N\n" : table.Render());
            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    private static Command Add()
    {
        var id = new Argument<string>("id") { Description = "A name for the board, unique in the farm (e.g. rpi4-1)." };
        var kind = new Option<string>("--kind") { Description = "Its board kind (e.g. cortex-a72); explorations name the kind they measure on.", Required = true };
        var launch = new Option<string>("--launch")
        {
            Description = $"How its executor starts: {string.Join(", ", BoardLaunches.Kinds)}.",
            DefaultValueFactory = _ => "local",
        };
        var program = new Option<string>("--program") { Description = "local/qemu/ssh: the dsx-executor binary (on the remote host for ssh); replay: the dsx command." };
        var host = new Option<string>("--host") { Description = "ssh/tcp: the board's host." };
        var port = new Option<int?>("--port") { Description = "ssh (default 22) / tcp: the port." };
        var user = new Option<string>("--user") { Description = "ssh: the user." };
        var identityFile = new Option<string>("--identity-file") { Description = "ssh: the board's private key, a file on the silo's host (ssh -i)." };
        var knownHosts = new Option<string>("--known-hosts")
        {
            Description = "ssh: the known-hosts file for the board, on the silo's host (a new host key is added, a changed one refused).",
        };
        var token = new Option<string>("--token") { Description = "tcp: the executor's --token." };
        var cpu = new Option<string>("--cpu") { Description = "qemu: the -cpu model (e.g. cortex-a72)." };
        var cpus = new Option<string>("--cpus") { Description = "local/qemu: cores to pin the executor to (taskset list, e.g. 2 or 2-3)." };
        var table = new Option<string>("--table") { Description = "replay: the measurement table the board answers from (its kind must start with 'replay:')." };
        var timeScale = new Option<double?>("--time-scale") { Description = "replay: the factor on the replayed measurement times (default 1)." };
        timeScale.Require(s => s is null or (>= 0 and <= 1000), "--time-scale must be between 0 and 1000.");
        var gateway = ClientVerb.GatewayOption();
        var clusterId = ClientVerb.ClusterIdOption();
        var command = new Command("add", "Register a board (or replace one with the same id); it persists across silo restarts.")
        {
            id, kind, launch, program, host, port, user, identityFile, knownHosts, token, cpu, cpus, table, timeScale, gateway, clusterId,
        };
        command.SetAction((r, ct) => ClientVerb.RunAsync(r, async client =>
        {
            var board = new BoardRegistration(
                r.GetValue(id)!, r.GetValue(kind)!, r.GetValue(launch)!, r.GetValue(program) is { } p && r.GetValue(launch) != "ssh" ? Path.GetFullPath(p) : r.GetValue(program),
                r.GetValue(host), r.GetValue(port), r.GetValue(user), r.GetValue(token), r.GetValue(cpu), r.GetValue(cpus), null,
                FullPath(r.GetValue(identityFile)), FullPath(r.GetValue(knownHosts)), FullPath(r.GetValue(table)), r.GetValue(timeScale));
            await client.GetGrain<IBoardFarmGrain>(0).AddAsync(board);
            await Console.Error.WriteLineAsync($"added board '{board.Id}' (kind {board.Kind}, {Describe(board)})");
            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    private static Command Remove()
    {
        var id = new Argument<string>("id") { Description = "The board to remove." };
        var gateway = ClientVerb.GatewayOption();
        var clusterId = ClientVerb.ClusterIdOption();
        var command = new Command("remove", "Remove a board from the farm and stop its executor.") { id, gateway, clusterId };
        command.SetAction((r, ct) => ClientVerb.RunAsync(r, async client =>
        {
            if (!await client.GetGrain<IBoardFarmGrain>(0).RemoveAsync(r.GetValue(id)!))
            {
                throw new UsageException($"no board '{r.GetValue(id)}' in the farm; 'dsx boards list' shows them.");
            }

            await Console.Error.WriteLineAsync($"removed board '{r.GetValue(id)}'");
            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    /// <summary>Absolute, as the silo (another working directory) reads it; the client usually runs on the silo's host.</summary>
    private static string? FullPath(string? path) => path is null ? null : Path.GetFullPath(path);

    private static Command Load()
    {
        var file = new Argument<string>("file")
        {
            Description = "A boards.yaml: 'boards:' then a list of maps with id, kind, launch (local|qemu|ssh|tcp|replay), program, host, port, user, "
                + "token, cpu, cpus, identity-file, known-hosts, environment, table, time-scale. Relative paths are from the file's folder.",
        };
        var gateway = ClientVerb.GatewayOption();
        var clusterId = ClientVerb.ClusterIdOption();
        var command = new Command("load", "Register every board of a boards.yaml (replacing boards with the same ids).") { file, gateway, clusterId };
        command.SetAction((r, ct) =>
        {
            IReadOnlyList<BoardRegistration> boards;
            try
            {
                boards = BoardsFile.Load(r.GetValue(file)!);
            }
            catch (BoardsFileException e)
            {
                Console.Error.WriteLine($"dsx: {e.Message}");
                return Task.FromResult(ExitCodes.Usage);
            }

            return ClientVerb.RunAsync(r, async client =>
            {
                foreach (var board in boards)
                {
                    await client.GetGrain<IBoardFarmGrain>(0).AddAsync(board);
                    await Console.Error.WriteLineAsync($"added board '{board.Id}' (kind {board.Kind}, {Describe(board)})");
                }

                return ExitCodes.Ok;
            }, ct);
        });
        return command;
    }

    /// <summary>The launch without secrets (a tcp board's token stays out).</summary>
    private static string Describe(BoardRegistration b) => b.Launch switch
    {
        "tcp" => $"tcp://{b.Host}:{b.Port}",
        "ssh" => $"ssh {(b.User is null ? "" : b.User + "@")}{b.Host}:{b.Port ?? 22} {b.Program}{(b.IdentityFile is null ? "" : " key " + b.IdentityFile)}",
        "qemu" => $"qemu {b.Cpu} {b.Program}{(b.Cpus is null ? "" : " cpus " + b.Cpus)}",
        "replay" => $"replay of {b.Table}{(b.TimeScale is { } scale ? string.Create(CultureInfo.InvariantCulture, $" x{scale}") : "")}",
        _ => $"{b.Launch} {b.Program}{(b.Cpus is null ? "" : " cpus " + b.Cpus)}",
    };
}
