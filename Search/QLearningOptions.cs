namespace Dsx.Search;

/// <summary>
/// Hyperparameters of <see cref="QLearningStrategy"/>. The epsilon schedule is in shares of the episode budget, as in
/// QS-DNN after MetaQNN: epsilon 1 (pure exploration) for <see cref="ExplorationShare"/>, then it drops by
/// <see cref="EpsilonStep"/> every <see cref="DecayStepShare"/> down to <see cref="EpsilonFloor"/>. Where each default
/// comes from is in docs/search.md.
/// </summary>
/// <param name="LearningRate">
/// alpha after the fast phase, the floor of the step size: a state-action seen n times is updated with max(alpha, 1/n).
/// </param>
/// <param name="Discount">gamma: 1 makes Q the whole remaining cost of the network, which is what the search minimises.</param>
/// <param name="ReplayEpisodes">Past episodes replayed (uniformly, with replacement, last layer first) after each observed one.</param>
/// <param name="ShareAcrossInputFormats">
/// A state first seen (a layer with inputs in new formats) starts from the layer's learned values per action instead of
/// 0: an action's compute does not depend on its input formats, only its conversion does. Not in QS-DNN; see docs/search.md.
/// </param>
/// <param name="EstimateConversions">
/// With <paramref name="ShareAcrossInputFormats"/>: an action untried in a state whose formats it must convert is valued at
/// its best where it needed no conversion plus the conversion's reward measured in that state (by other actions of the
/// same format), instead of as if the conversion were free. Not in QS-DNN; see docs/search.md.
/// </param>
/// <param name="AverageRewards">
/// The update's reward is the mean of every measured reward of the state-action, not the replayed episode's own draw.
/// Off by default: it learns faster early but converges worse (docs/search.md).
/// </param>
/// <param name="BlockMoveRate"><see cref="ExplorationMoves.BlockMoveRate"/>. Not in QS-DNN; see docs/search.md.</param>
/// <param name="BlockMoveLength"><see cref="ExplorationMoves.BlockMoveLength"/>.</param>
/// <param name="StickyExploration"><see cref="ExplorationMoves.StickyExploration"/>. Not in QS-DNN; see docs/search.md.</param>
/// <param name="TieBreakInFormat">
/// Among greedy ties (untried actions, all valued alike), prefer those that need no input conversion, so the first
/// episodes measure each choice in a coherent plan instead of paying conversions at random layers. Not in QS-DNN.
/// </param>
/// <param name="FastShare">
/// Share of the budget learned fast: while at most this many episodes were observed, updates use the mean of the
/// state-action's measured rewards and step size max(<paramref name="FastLearningRate"/>, 1/n), so the values are
/// right by the early checkpoints; later <paramref name="LearningRate"/> and each replayed episode's own reward.
/// 0 for none. Not in QS-DNN; see docs/search.md.
/// </param>
/// <param name="FastLearningRate">alpha during the fast phase.</param>
/// <param name="TailShare">
/// Share of the budget at its end that exploits: epsilon is <paramref name="TailEpsilon"/>, and block moves switch a
/// run of the incumbent (the measured plan the search would pick now) instead of the greedy plan's, a local search
/// around it. 0 for none. Not in QS-DNN; see docs/search.md ("Fifth round").
/// </param>
/// <param name="TailEpsilon">Epsilon in the tail; below <paramref name="EpsilonFloor"/>, so the last episodes vary the plan in a few layers, not in six.</param>
public sealed record QLearningOptions(
    double LearningRate = 0.1,
    double Discount = 1.0,
    double ExplorationShare = 0,
    double DecayStepShare = 0.005,
    double EpsilonStep = 0.1,
    double EpsilonFloor = 0.15,
    int ReplayEpisodes = 32,
    bool ShareAcrossInputFormats = true,
    bool EstimateConversions = true,
    bool AverageRewards = false,
    double BlockMoveRate = 0.2,
    int BlockMoveLength = 8,
    double StickyExploration = 0.7,
    bool TieBreakInFormat = true,
    double FastShare = 0.1,
    double FastLearningRate = 0.5,
    double TailShare = 0.3,
    double TailEpsilon = 0.05)
{
    public static QLearningOptions Default { get; } = new();

    /// <summary>The exploration moves these options set.</summary>
    public ExplorationMoves Moves => new(BlockMoveRate, BlockMoveLength, StickyExploration);

    /// <summary>
    /// Whether learning is fast while the <paramref name="observed"/>-th episode (1-based, counting the one just observed)
    /// of a budget of <paramref name="budget"/> is learned from.
    /// </summary>
    public bool Fast(int observed, int budget) => observed <= (int)Math.Round(FastShare * budget);

    /// <summary>The step size floor while the <paramref name="observed"/>-th episode (1-based) of the budget is learned from.</summary>
    public double Alpha(int observed, int budget) => Fast(observed, budget) ? FastLearningRate : LearningRate;

    /// <summary>Whether episode <paramref name="episode"/> (0-based) of a budget of <paramref name="budget"/> is in the exploitation tail.</summary>
    public bool Tail(int episode, int budget) => episode >= budget - (int)Math.Round(TailShare * budget);

    /// <summary>Epsilon for episode <paramref name="episode"/> (0-based) of a budget of <paramref name="budget"/> episodes.</summary>
    public double Epsilon(int episode, int budget)
    {
        // In whole episodes, so that a share like 0.3 of 1000 is exactly 300 and not 299.99.
        var exploration = (int)Math.Round(ExplorationShare * budget);
        if (episode < exploration)
        {
            return 1.0;
        }

        if (Tail(episode, budget))
        {
            return TailEpsilon;
        }

        var steps = ((episode - exploration) / Math.Max(1, (int)Math.Round(DecayStepShare * budget))) + 1;
        return Math.Max(EpsilonFloor, 1.0 - (steps * EpsilonStep));
    }
}
