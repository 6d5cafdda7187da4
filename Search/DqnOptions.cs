namespace Dsx.Search;

/// <summary>
/// Settings of <see cref="DqnStrategy"/>. The defaults suit networks of tens of layers with budgets of a few hundred
/// episodes; a learner started from transferred weights should start with a low <see cref="EpsilonStart"/>, or its
/// first episodes are random and the transfer is wasted.
/// </summary>
public sealed record DqnOptions
{
    /// <summary>The board the costs come from (cores and kind are features); null reads as one core of kind "unknown".</summary>
    public BoardDescription? Board { get; init; }

    /// <summary>Weights saved by <see cref="DqnStrategy.SaveWeights"/> (another model or board) to start from; null starts at random.</summary>
    public string? InitialWeightsPath { get; init; }

    /// <summary>Episodes the search expects to run; the epsilon schedule is laid over them.</summary>
    public int EpisodeBudget { get; init; } = 300;

    public double EpsilonStart { get; init; } = 1.0;

    /// <summary>
    /// Block moves and sticky exploration around the greedy plan, as <see cref="QLearningStrategy"/>'s. Off (plain
    /// epsilon-greedy) by default: on the transfer bench they made the first episodes far better but the best plan after
    /// 600 episodes worse (bench/dqn-transfer.md).
    /// </summary>
    public ExplorationMoves Moves { get; init; } = ExplorationMoves.None;

    /// <summary>
    /// Block moves switch a run of layers of the best plan observed so far rather than of the greedy plan: a local search
    /// around the best, which the network's greedy plan trails while its fit of Q is a few percent off (bench/dqn-transfer.md).
    /// </summary>
    public bool BlockMovesAroundBest { get; init; }

    public double EpsilonEnd { get; init; } = 0.02;

    /// <summary>Share of <see cref="EpisodeBudget"/> over which epsilon falls linearly from start to end.</summary>
    public double EpsilonDecayShare { get; init; } = 0.5;

    public int HiddenUnits { get; init; } = 64;

    public double LearningRate { get; init; } = 1e-3;

    /// <summary>
    /// Step size of the tabular residual on top of the network (<see cref="DqnStrategy"/>): tabular Q-learning's alpha,
    /// <see cref="QLearningOptions.LearningRate"/>'s default (docs/search.md).
    /// </summary>
    public double ResidualLearningRate { get; init; } = 0.1;

    /// <summary>1: a plan's cost is the plain sum of its layers' costs, which is what the search minimises.</summary>
    public double Discount { get; init; } = 1.0;

    public int ReplayCapacity { get; init; } = 50_000;

    public int BatchSize { get; init; } = 64;

    /// <summary>Gradient steps per observed episode (once the replay holds a batch).</summary>
    public int UpdatesPerEpisode { get; init; } = 8;

    /// <summary>The target network copies the online one every this many gradient steps.</summary>
    public int TargetSyncUpdates { get; init; } = 100;

    /// <summary>Reward of a layer whose choice failed, in units of the reward scale (a typical layer costs about 1).</summary>
    public double FailurePenalty { get; init; } = 10;
}
