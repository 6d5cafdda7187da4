using System.CommandLine;
using System.CommandLine.Invocation;

namespace Dsx.Cli;

public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        var root = new RootCommand(
            "dsx: design space exploration for deploying DNNs on Arm Cortex-A CPUs. "
            + "Finds, per layer, the primitive, layout, precision and thread count that run fastest.")
        {
            DemoCommand.Create(),
            ModelsCommand.Create(),
            RunCommand.Create(),
            SimulateCommand.Create(),
            TableCommand.Create(),
            TuneCommand.Create(),
            SiloCommand.Create(),
            StoreCommand.Create(),
            BoardsCommand.Create(),
            ExploreCommand.Create(),
            ReplayExecutorCommand.Create(),
        };
        foreach (var command in ExplorationCommands.Create())
        {
            root.Subcommands.Add(command);
        }

        var parsed = root.Parse(args);
        if (parsed.Action is ParseErrorAction)
        {
            // System.CommandLine exits 1 on usage errors; we reserve 1 for runtime failures.
            foreach (var error in parsed.Errors)
            {
                await Console.Error.WriteLineAsync($"dsx: {error.Message}");
            }

            await Console.Error.WriteLineAsync("Run 'dsx --help' for usage.");
            return ExitCodes.Usage;
        }

        return await parsed.InvokeAsync();
    }
}
