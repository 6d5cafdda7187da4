namespace Dsx.Search;

/// <summary>Creates a strategy by its command-line name.</summary>
public static class StrategyFactory
{
    public static IReadOnlyList<string> Names { get; } = ["random", "greedy", "qlearning", "dqn"];

    /// <param name="episodeBudget">How many episodes the search may measure: learners schedule their exploration over it.</param>
    /// <param name="board">The board kind the costs come from, which the DQN's features describe (null: one core of kind "unknown").</param>
    /// <param name="dqnWeights">A file written by <see cref="DqnStrategy.SaveWeights"/> (on another model or board) to start the DQN's network from.</param>
    /// <exception cref="ArgumentException">Unknown name (the message lists the known ones), or weights for a strategy other than the DQN.</exception>
    public static ISearchStrategy Create(string name, SearchSpace space, ulong seed, int episodeBudget, BoardDescription? board = null, string? dqnWeights = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (dqnWeights is not null && name != "dqn")
        {
            throw new ArgumentException($"network weights start the dqn strategy only, not {name}", nameof(dqnWeights));
        }

        return name switch
        {
            "random" => new RandomSearch(space, seed),
            "greedy" => new GreedySearch(space, seed),
            "qlearning" => new QLearningStrategy(space, seed, episodeBudget),
            "dqn" => new DqnStrategy(space, seed, new DqnOptions { EpisodeBudget = episodeBudget, Board = board, InitialWeightsPath = dqnWeights }),
            _ => throw new ArgumentException($"unknown strategy '{name}'; known: {string.Join(", ", Names)}", nameof(name)),
        };
    }
}
