using System.Globalization;
using Dsx.BoardHost;

namespace Dsx.Grains;

/// <summary>How a registered board's executor is started (<see cref="BoardRegistration.Launch"/>).</summary>
public static class BoardLaunches
{
    public static IReadOnlyList<string> Kinds { get; } = ["local", "qemu", "ssh", "tcp"];

    /// <exception cref="ArgumentException">An unknown launch, or one missing what it needs; the message says what.</exception>
    public static ExecutorLaunch For(BoardRegistration board)
    {
        ArgumentNullException.ThrowIfNull(board);
        var launch = board.Launch switch
        {
            "local" => Pinned(ExecutorLaunch.Local(Need(board.Program, board, "program")), board.Cpus),
            "qemu" => Pinned(ExecutorLaunch.Qemu(Need(board.Program, board, "program"), board.Cpu), board.Cpus),
            "ssh" => new ExecutorLaunch(
                "ssh",
                [
                    "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=accept-new",
                    "-p", (board.Port ?? 22).ToString(CultureInfo.InvariantCulture),
                    board.User is null ? Need(board.Host, board, "host") : $"{board.User}@{Need(board.Host, board, "host")}",
                    Need(board.Program, board, "program"), "--stdio",
                ]),
            "tcp" => ExecutorLaunch.Tcp(Need(board.Host, board, "host"), board.Port ?? throw Missing(board, "port"), Need(board.Token, board, "token")),
            _ => throw new ArgumentException($"board '{board.Id}': unknown launch '{board.Launch}'; known: {string.Join(", ", Kinds)}"),
        };
        foreach (var (name, value) in board.Environment ?? new Dictionary<string, string>())
        {
            launch = launch.WithEnvironment(name, value);
        }

        return launch;
    }

    /// <summary>Local boards on one host are pinned to disjoint cores, so two measurements never share a core.</summary>
    private static ExecutorLaunch Pinned(ExecutorLaunch launch, string? cpus) =>
        cpus is null ? launch : launch with { Program = "taskset", Arguments = ["-c", cpus, launch.Program, .. launch.Arguments] };

    private static string Need(string? value, BoardRegistration board, string what) =>
        string.IsNullOrEmpty(value) ? throw Missing(board, what) : value;

    private static ArgumentException Missing(BoardRegistration board, string what) =>
        new($"board '{board.Id}': a '{board.Launch}' launch needs a {what}");
}
