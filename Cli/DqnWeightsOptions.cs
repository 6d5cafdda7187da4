using System.CommandLine;
using System.CommandLine.Parsing;
using Dsx.Search;

namespace Dsx.Cli;

/// <summary>
/// The DQN's transfer options of 'dsx tune' and 'dsx simulate': start the network from weights saved by an earlier
/// search (on another model or board kind: the network predicts a layer's cost from what the layer is), and save it
/// after the search.
/// </summary>
internal sealed class DqnWeightsOptions
{
    public Option<string> Load { get; } = new("--dqn-weights")
    {
        Description = "--strategy dqn: start the network from weights written by --save-dqn-weights, e.g. of a search on another model or board kind.",
    };

    public Option<string> Save { get; } = new("--save-dqn-weights")
    {
        Description = "--strategy dqn: write the network's weights here after the search, to start a later one from them (--dqn-weights).",
    };

    /// <summary>Adds both options to <paramref name="command"/>, refused unless <paramref name="usesDqn"/> says the dqn strategy runs.</summary>
    public void AddTo(Command command, Func<CommandResult, bool> usesDqn)
    {
        command.Options.Add(Load);
        command.Options.Add(Save);
        command.Validators.Add(r =>
        {
            if ((r.GetValue(Load) is not null || r.GetValue(Save) is not null) && !usesDqn(r))
            {
                r.AddError("--dqn-weights and --save-dqn-weights apply to the dqn strategy only: add --strategy dqn.");
            }
        });
    }

    /// <summary>Checks the files before any work: the weights to load exist, the folder to save into does.</summary>
    public static void CheckFiles(string? load, string? save)
    {
        if (load is not null && !File.Exists(load))
        {
            throw new UsageException($"--dqn-weights '{load}': no such file (a search with --save-dqn-weights writes one).");
        }

        OutputPath.CheckFolder(save, "--save-dqn-weights");
    }

    /// <summary>Writes <paramref name="strategy"/>'s network (a <see cref="DqnStrategy"/>: the validator let no other through) to <paramref name="path"/>.</summary>
    public static void WriteWeights(ISearchStrategy strategy, string path)
    {
        ((DqnStrategy)strategy).SaveWeights(path);
        Console.Error.WriteLine($"wrote the DQN's weights to {path}");
    }
}
