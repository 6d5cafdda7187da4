using System.Globalization;
using Dsx.BoardHost;

namespace Dsx.Grains;

/// <summary>How a registered board's executor is started (<see cref="BoardRegistration.Launch"/>).</summary>
public static class BoardLaunches
{
    /// <summary>How long ssh may take to connect to a board before it gives up with an error.</summary>
    public const int SshConnectTimeoutSeconds = 15;

    /// <summary>Every replay board's kind starts with it: replayed timings are kept apart from any real board kind's.</summary>
    public const string ReplayKindPrefix = "replay:";

    public static IReadOnlyList<string> Kinds { get; } = ["local", "qemu", "ssh", "tcp", "replay"];

    /// <summary>
    /// A TCP board of a replay kind is a connection to a listening replay host (<c>dsx replay-executor --listen</c>, as
    /// <c>dsx silo --replay-boards</c> starts), which holds a model for all its boards once one loaded it: its sessions
    /// load by hash first (<see cref="SharedModelLoads"/>). Should such a board reach another executor, that one answers
    /// that it does not hold the model, and the graph is sent as for any board.
    /// </summary>
    public static bool SharesModels(BoardRegistration board)
    {
        ArgumentNullException.ThrowIfNull(board);
        return board.Launch == "tcp" && board.Kind.StartsWith(ReplayKindPrefix, StringComparison.Ordinal);
    }

    /// <exception cref="ArgumentException">An unknown launch, or one missing what it needs; the message says what.</exception>
    public static ExecutorLaunch For(BoardRegistration board)
    {
        ArgumentNullException.ThrowIfNull(board);
        var launch = board.Launch switch
        {
            "local" => Pinned(ExecutorLaunch.Local(Need(board.Program, board, "program")), board.Cpus),
            "qemu" => Pinned(Emulated(ExecutorLaunch.Qemu(Need(board.Program, board, "program"), board.Cpu)), board.Cpus),
            "ssh" => Ssh(board),
            "tcp" => ExecutorLaunch.Tcp(Need(board.Host, board, "host"), board.Port ?? throw Missing(board, "port"), Need(board.Token, board, "token")),
            "replay" => Replay(board),
            _ => throw new ArgumentException($"board '{board.Id}': unknown launch '{board.Launch}'; known: {string.Join(", ", Kinds)}"),
        };
        foreach (var (name, value) in board.Environment ?? new Dictionary<string, string>())
        {
            launch = launch.WithEnvironment(name, value);
        }

        return launch;
    }

    /// <summary>
    /// <c>ssh [options] [user@]host program --stdio</c>: the protocol runs over ssh's stdin/stdout. BatchMode, so a
    /// missing key fails at once instead of waiting for a password; accept-new, so a new board needs no manual step but
    /// a changed host key is refused; a connect timeout, so an unreachable board fails rather than hangs.
    /// </summary>
    private static ExecutorLaunch Ssh(BoardRegistration board)
    {
        var host = Need(board.Host, board, "host");
        List<string> arguments =
        [
            "-T", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=accept-new", "-o", $"ConnectTimeout={SshConnectTimeoutSeconds}",
            "-p", (board.Port ?? 22).ToString(CultureInfo.InvariantCulture),
        ];
        if (board.IdentityFile is { Length: > 0 } identity)
        {
            // Only this key: an agent with many keys would otherwise exhaust the server's MaxAuthTries first.
            arguments.AddRange(["-i", identity, "-o", "IdentitiesOnly=yes"]);
        }

        if (board.KnownHostsFile is { Length: > 0 } knownHosts)
        {
            arguments.AddRange(["-o", $"UserKnownHostsFile={knownHosts}"]);
        }

        arguments.AddRange([board.User is null ? host : $"{board.User}@{host}", Need(board.Program, board, "program"), "--stdio"]);
        return new ExecutorLaunch("ssh", arguments);
    }

    /// <summary><c>dsx replay-executor --table T --stdio</c> (through <c>dotnet</c> when the program is dsx.dll).</summary>
    private static ExecutorLaunch Replay(BoardRegistration board)
    {
        if (!board.Kind.StartsWith(ReplayKindPrefix, StringComparison.Ordinal))
        {
            throw new ArgumentException($"board '{board.Id}': a replay board's kind must start with '{ReplayKindPrefix}' (e.g. {ReplayKindPrefix}{board.Kind}), so its replayed timings never mix with a real board kind's");
        }

        var program = Need(board.Program, board, "program (the dsx command)");
        List<string> arguments = ["replay-executor", "--table", Need(board.Table, board, "table"), "--stdio"];
        if (board.TimeScale is { } scale)
        {
            arguments.AddRange(["--time-scale", scale.ToString("R", CultureInfo.InvariantCulture)]);
        }

        return program.EndsWith(".dll", StringComparison.Ordinal) ? new ExecutorLaunch("dotnet", [program, .. arguments]) : new ExecutorLaunch(program, arguments);
    }

    /// <summary>
    /// Told, not left to the executor's own guess (an x86 vendor in /proc/cpuinfo), which a qemu that emulates
    /// /proc/cpuinfo defeats: timings under qemu must never pass for the emulated CPU's.
    /// </summary>
    private static ExecutorLaunch Emulated(ExecutorLaunch launch) => launch with { Arguments = [.. launch.Arguments, "--emulated"] };

    /// <summary>Local boards on one host are pinned to disjoint cores, so two measurements never share a core.</summary>
    private static ExecutorLaunch Pinned(ExecutorLaunch launch, string? cpus) =>
        cpus is null ? launch : launch with { Program = "taskset", Arguments = ["-c", cpus, launch.Program, .. launch.Arguments] };

    private static string Need(string? value, BoardRegistration board, string what) =>
        string.IsNullOrEmpty(value) ? throw Missing(board, what) : value;

    private static ArgumentException Missing(BoardRegistration board, string what) =>
        new($"board '{board.Id}': a '{board.Launch}' launch needs a {what}");
}
