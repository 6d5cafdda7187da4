namespace Dsx.Search;

/// <summary>
/// Hyperparameters of <see cref="QLearningStrategy"/>. The epsilon schedule is in shares of the episode budget, as in
/// QS-DNN after MetaQNN: epsilon 1 (pure exploration) for <see cref="ExplorationShare"/>, then it drops by
/// <see cref="EpsilonStep"/> every <see cref="DecayStepShare"/> down to <see cref="EpsilonFloor"/>. Where each default
/// comes from is in docs/search.md.
/// </summary>
/// <param name="LearningRate">alpha, the floor of the step size: a state-action seen n times is updated with max(alpha, 1/n).</param>
/// <param name="Discount">gamma: 1 makes Q the whole remaining cost of the network, which is what the search minimises.</param>
/// <param name="ReplayEpisodes">Past episodes replayed (uniformly, with replacement, last layer first) after each observed one.</param>
public sealed record QLearningOptions(
    double LearningRate = 0.1,
    double Discount = 1.0,
    double ExplorationShare = 0.02,
    double DecayStepShare = 0.03,
    double EpsilonStep = 0.1,
    double EpsilonFloor = 0.02,
    int ReplayEpisodes = 32)
{
    public static QLearningOptions Default { get; } = new();

    /// <summary>Epsilon for episode <paramref name="episode"/> (0-based) of a budget of <paramref name="budget"/> episodes.</summary>
    public double Epsilon(int episode, int budget)
    {
        var position = (double)episode / Math.Max(1, budget);
        if (position < ExplorationShare)
        {
            return 1.0;
        }

        var steps = Math.Floor((position - ExplorationShare) / DecayStepShare) + 1;
        return Math.Max(EpsilonFloor, 1.0 - (steps * EpsilonStep));
    }
}
