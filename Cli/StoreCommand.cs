using System.CommandLine;
using Dsx.Silo.Storage;

namespace Dsx.Cli;

/// <summary>
/// <c>dsx store check [--db FILE]</c>: checks a one-machine silo's SQLite file after a crash or a full disk (see
/// <see cref="SqliteStoreCheck"/>); it only reads, so it may run beside the silo. Exit 0 when sound, 1 with one line per
/// problem.
/// </summary>
internal static class StoreCommand
{
    public static Command Create()
    {
        var database = SiloCommand.DatabaseOption("The silo's SQLite file ('dsx silo --db').");
        var check = new Command(
            "check",
            "Check a silo's SQLite file: SQLite's integrity check, every stored grain state deserialises, no episode measured twice, lost or beyond its budget.")
        {
            database,
        };
        check.SetAction((r, ct) => CliErrors.Guard(async () =>
        {
            var path = r.GetValue(database)!;
            if (!File.Exists(path))
            {
                throw new UsageException($"no SQLite file at '{Path.GetFullPath(path)}' (give the silo's --db)");
            }

            var report = await Task.Run(() => SqliteStoreCheck.RunWithSiloSerializer(path), ct);
            foreach (var problem in report.Problems)
            {
                await Console.Out.WriteLineAsync($"{report.Path}: {problem}");
            }

            await Console.Out.WriteLineAsync(report.Sound
                ? $"{report.Path}: sound: integrity ok, {report.Rows} grain states deserialise, {report.Explorations} exploration(s), "
                    + $"{report.Episodes} kept episode outcome(s), {report.Measurements} recorded measurement(s)"
                : $"{report.Path}: {report.Problems.Count} problem(s)");
            return report.Sound ? ExitCodes.Ok : ExitCodes.Failure;
        }));
        return new Command("store", "Inspect a one-machine silo's SQLite store.") { check };
    }
}
