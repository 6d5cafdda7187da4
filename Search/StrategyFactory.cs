namespace Dsx.Search;

/// <summary>Creates a strategy by its command-line name.</summary>
public static class StrategyFactory
{
    public static IReadOnlyList<string> Names { get; } = ["random", "greedy", "qlearning", "dqn"];

    /// <param name="episodeBudget">How many episodes the search may measure: learners schedule their exploration over it.</param>
    /// <exception cref="ArgumentException">Unknown name; the message lists the known ones.</exception>
    public static ISearchStrategy Create(string name, SearchSpace space, ulong seed, int episodeBudget)
    {
        ArgumentNullException.ThrowIfNull(name);
        return name switch
        {
            "random" => new RandomSearch(space, seed),
            "greedy" => new GreedySearch(space, seed),
            "qlearning" => new QLearningStrategy(space, seed, episodeBudget),
            "dqn" => new DqnStrategy(space, seed, new DqnOptions { EpisodeBudget = episodeBudget }),
            _ => throw new ArgumentException($"unknown strategy '{name}'; known: {string.Join(", ", Names)}", nameof(name)),
        };
    }
}
