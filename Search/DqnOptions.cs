namespace Dsx.Search;

/// <summary>
/// Settings of <see cref="DqnStrategy"/>. The defaults suit networks of tens of layers with budgets of a few hundred
/// episodes, from scratch or from transferred weights: the learner explores mostly by its optimism about choices it
/// has not measured (<see cref="Optimism"/>), so epsilon starts low; at epsilon 1 a transferred learner's first
/// episodes would be random and the transfer wasted.
/// </summary>
public sealed record DqnOptions
{
    /// <summary>The board the costs come from (cores and kind are features); null reads as one core of kind "unknown".</summary>
    public BoardDescription? Board { get; init; }

    /// <summary>Weights saved by <see cref="DqnStrategy.SaveWeights"/> (another model or board) to start from; null starts at random.</summary>
    public string? InitialWeightsPath { get; init; }

    /// <summary>Episodes the search expects to run; the epsilon schedule is laid over them.</summary>
    public int EpisodeBudget { get; init; } = 300;

    /// <summary>Epsilon of the first episode (bench/dqn-transfer.md, eighth round: 0.1 falling over a tenth of the budget).</summary>
    public double EpsilonStart { get; init; } = 0.1;

    /// <summary>
    /// Block moves and sticky exploration around the greedy plan, as <see cref="QLearningStrategy"/>'s. Off (plain
    /// epsilon-greedy) by default: on the transfer bench they made the first episodes far better but the best plan after
    /// 600 episodes worse (bench/dqn-transfer.md; measured when the network fitted the whole Q, not since).
    /// </summary>
    public ExplorationMoves Moves { get; init; } = ExplorationMoves.None;

    /// <summary>
    /// Block moves switch a run of layers of the best plan observed so far rather than of the greedy plan: a local search
    /// around the best, which the network's greedy plan trails while its fit of Q is a few percent off (bench/dqn-transfer.md).
    /// </summary>
    public bool BlockMovesAroundBest { get; init; }

    public double EpsilonEnd { get; init; } = 0.02;

    /// <summary>Share of <see cref="EpisodeBudget"/> over which epsilon falls linearly from start to end.</summary>
    public double EpsilonDecayShare { get; init; } = 0.1;

    public int HiddenUnits { get; init; } = 64;

    public double LearningRate { get; init; } = 1e-3;

    /// <summary>
    /// How optimistic the learner is about a choice it has not measured: its predicted cost is divided by
    /// e^(this x the network's RMS error in log cost on choices when they were first measured), a measured mean by
    /// e^(this x the board's measurement noise in log / the square root of its count). 1 lets the search try what
    /// neither the network nor the measurements rule out within their typical error (bench/dqn-transfer.md, eighth
    /// round; bench/search.md); 0 takes predictions and measured means at their word.
    /// </summary>
    public double Optimism { get; init; } = 1;

    /// <summary>Past episodes whose future values are backed up again after each observed one (QS-DNN's experience replay).</summary>
    public int ReplayEpisodes { get; init; } = 8;

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
