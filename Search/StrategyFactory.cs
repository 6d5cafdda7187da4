namespace Dsx.Search;

/// <summary>Creates a strategy by its command-line name.</summary>
public static class StrategyFactory
{
    public static IReadOnlyList<string> Names { get; } = ["random", "dqn"];

    /// <exception cref="ArgumentException">Unknown name; the message lists the known ones.</exception>
    public static ISearchStrategy Create(string name, SearchSpace space, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(name);
        return name switch
        {
            "random" => new RandomSearch(space, seed),
            "dqn" => new DqnStrategy(space, seed),
            _ => throw new ArgumentException($"unknown strategy '{name}'; known: {string.Join(", ", Names)}", nameof(name)),
        };
    }
}
