using static TorchSharp.torch;

namespace Dsx.Search;

/// <summary>
/// Deep Q-learning over layer features (TorchSharp). An episode walks the layers in topological order; the state
/// at a layer is the layer plus the formats its inputs arrive in, the action is one of its choices, the reward is
/// minus that layer's cost (compute + input conversion) over a reward scale. Q(state, action) is an MLP of
/// <see cref="DqnFeatures"/> rather than a table, so what it learns carries to other layers, models and boards
/// (<see cref="SaveWeights"/>, <see cref="DqnOptions.InitialWeightsPath"/>).
/// <para>
/// On top of the network sits a tabular residual: Q(s, a) = net(features(s, a)) + delta[layer, input formats, a].
/// With discount 1, Q is the whole remaining cost of the network, and two choices at a layer differ by a fraction of
/// a percent of it, finer than the MLP fits; the residual is updated by the same TD error as the network, at
/// <see cref="DqnOptions.ResidualLearningRate"/>, so it corrects the network's Q to exact where episodes went, as
/// tabular Q-learning would. The network carries what transfers; the residual belongs to this model and board: it is in
/// the learner's state, not in the saved weights (bench/dqn-transfer.md).
/// </para>
/// <para>
/// Proposals are epsilon-greedy per layer, epsilon falling linearly over the episode budget, optionally with the block
/// moves and sticky exploration of <see cref="DqnOptions.Moves"/> (Q-learning's). Learning is DQN:
/// a replay memory of single-layer transitions, a target network synced every few updates, Huber loss, Adam.
/// The reward scale is the median per-layer cost of the first successful episode observed, then fixed: a network
/// of 1 ms layers and one of 100 ms layers train with rewards near -1 alike, and transferred weights see rewards
/// of the size they were trained on. The median, not the mean: a first (random) episode's mean is dominated by a
/// few very slow choices (reference kernels, oversubscribed threads), which squeezes every good choice's reward
/// towards 0 and blurs the differences the search is after.
/// </para>
/// <para>
/// Deterministic under its seed: the initial weights, exploration and replay sampling come from one
/// <see cref="SplitMix64"/>, and torch runs on one thread (<c>torch.set_num_threads(1)</c>, process-wide).
/// Every tensor handed to the network lives in torch-allocated (aligned) memory (<see cref="QNetwork.Owned"/>), so
/// the kernels round the same way each time and near-equal Q values never flip with where the GC put an array.
/// The state holds both networks, Adam's moments, the replay memory, the counters and the random state.
/// </para>
/// </summary>
public sealed class DqnStrategy : ISearchStrategy, IDisposable
{
    private const string StateFormat = "dsx-dqn-state/3";
    private const string WeightsFormat = "dsx-dqn-weights/1";

    private readonly SearchSpace _space;
    private readonly DqnOptions _options;
    private readonly DqnFeatures _features;
    private readonly SplitMix64 _random;
    private readonly QNetwork _online;
    private readonly QNetwork _target;
    private readonly AdamOptimizer _optimizer;
    private readonly List<Transition> _replay = [];
    private readonly Dictionary<(int Layer, string Inputs), double[]> _residual = [];
    private readonly Dictionary<(int Layer, string Inputs), float[]> _targetValues = [];
    private readonly Func<int, int[]> _allChoices;
    private int _replayNext;
    private long _episodesProposed;
    private long _updates;
    private double _rewardScale = double.NaN;
    private int[]? _best;
    private double _bestCost = double.PositiveInfinity;

    public DqnStrategy(SearchSpace space, ulong seed, DqnOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(space);
        _space = space;
        _options = options ?? new DqnOptions();
        set_num_threads(1);
        _features = new DqnFeatures(space, _options.Board);
        _random = new SplitMix64(seed);
        int[][] choices = [.. space.Layers.Select(l => Enumerable.Range(0, l.Choices.Count).ToArray())];
        _allChoices = layer => choices[layer];
        _online = new QNetwork(DqnFeatures.Width, _options.HiddenUnits, _random);
        _target = new QNetwork(DqnFeatures.Width, _options.HiddenUnits, _random);
        if (_options.InitialWeightsPath is { } path)
        {
            LoadWeights(path);
        }

        _target.CopyFrom(_online);
        _optimizer = new AdamOptimizer(_online.Parameters, _options.LearningRate);
    }

    public string Name => "dqn";

    /// <summary>The exploration rate of the next proposed episode.</summary>
    public double Epsilon
    {
        get
        {
            var decayEpisodes = Math.Max(1.0, _options.EpisodeBudget * _options.EpsilonDecayShare);
            var progress = Math.Min(1.0, _episodesProposed / decayEpisodes);
            return _options.EpsilonStart + ((_options.EpsilonEnd - _options.EpsilonStart) * progress);
        }
    }

    public IReadOnlyList<CandidatePlan> Propose(int count)
    {
        // Within one call the network does not change, and a layer's Q values depend only on its input formats.
        var cache = new Dictionary<(int Layer, string Inputs), float[]>();
        var plans = new List<CandidatePlan>(count);
        for (var e = 0; e < count; e++)
        {
            var choices = _options.Moves.Walk(_space, _random, Epsilon, _allChoices, (i, chosen, candidates) => ArgMax(QValues(i, chosen, cache), candidates), _options.BlockMovesAroundBest ? _best : null);
            _episodesProposed++;
            plans.Add(new CandidatePlan(choices));
        }

        return plans;
    }

    public void Observe(IReadOnlyList<EpisodeResult> results)
    {
        ArgumentNullException.ThrowIfNull(results);
        foreach (var result in results)
        {
            Remember(result);
        }

        if (_replay.Count < _options.BatchSize)
        {
            return;
        }

        for (var u = 0; u < _options.UpdatesPerEpisode * results.Count; u++)
        {
            Update();
        }
    }

    /// <summary>Saves the online network's weights, to start a learner on another model or board from them.</summary>
    public void SaveWeights(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var file = File.Create(path);
        using var writer = new BinaryWriter(file);
        writer.Write(WeightsFormat);
        _online.Write(writer);
    }

    /// <summary>Loads weights saved by <see cref="SaveWeights"/> into both networks.</summary>
    /// <exception cref="InvalidDataException">Not a weights file, or of a network of another shape.</exception>
    public void LoadWeights(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var file = File.OpenRead(path);
        using var reader = new BinaryReader(file);
        if (reader.ReadString() != WeightsFormat)
        {
            throw new InvalidDataException($"'{path}' is not a DQN weights file ({WeightsFormat})");
        }

        _online.Read(reader);
        SyncTarget();
    }

    public byte[] SaveState()
    {
        using var buffer = new MemoryStream();
        using (var writer = new BinaryWriter(buffer))
        {
            writer.Write(StateFormat);
            writer.Write(_space.Layers.Count);
            writer.Write(_random.State);
            writer.Write(_episodesProposed);
            writer.Write(_updates);
            writer.Write(_rewardScale);
            writer.Write(_bestCost);
            writer.Write(_best is not null);
            if (_best is not null)
            {
                StrategyState.WriteInts(writer, _best);
            }

            writer.Write(_replay.Count);
            writer.Write(_replayNext);
            foreach (var t in _replay)
            {
                writer.Write(t.Layer);
                writer.Write(t.Reward);
                writer.Write(t.Terminal);
                foreach (var c in t.Plan)
                {
                    writer.Write(c);
                }
            }

            writer.Write(_residual.Count);
            foreach (var ((layer, inputs), delta) in _residual)
            {
                writer.Write(layer);
                writer.Write(inputs);
                foreach (var d in delta)
                {
                    writer.Write(d);
                }
            }

            _online.Write(writer);
            _target.Write(writer);
            _optimizer.Write(writer);
        }

        return buffer.ToArray();
    }

    public void RestoreState(byte[] state)
    {
        ArgumentNullException.ThrowIfNull(state);
        using var reader = new BinaryReader(new MemoryStream(state));
        if (reader.ReadString() != StateFormat || reader.ReadInt32() != _space.Layers.Count)
        {
            throw new ArgumentException($"not a DQN state of this {_space.Layers.Count}-layer search space", nameof(state));
        }

        _random.State = reader.ReadUInt64();
        _episodesProposed = reader.ReadInt64();
        _updates = reader.ReadInt64();
        _rewardScale = reader.ReadDouble();
        _bestCost = reader.ReadDouble();
        _best = reader.ReadBoolean() ? StrategyState.ReadInts(reader) : null;
        var count = reader.ReadInt32();
        _replayNext = reader.ReadInt32();
        _replay.Clear();
        for (var k = 0; k < count; k++)
        {
            var layer = reader.ReadInt32();
            var reward = reader.ReadSingle();
            var terminal = reader.ReadBoolean();
            var plan = new int[_space.Layers.Count];
            for (var i = 0; i < plan.Length; i++)
            {
                plan[i] = reader.ReadInt32();
            }

            _replay.Add(new Transition(plan, layer, reward, terminal));
        }

        _residual.Clear();
        var residuals = reader.ReadInt32();
        for (var k = 0; k < residuals; k++)
        {
            var layer = reader.ReadInt32();
            var inputs = reader.ReadString();
            var delta = new double[_space.Layers[layer].Choices.Count];
            for (var c = 0; c < delta.Length; c++)
            {
                delta[c] = reader.ReadDouble();
            }

            _residual[(layer, inputs)] = delta;
        }

        _online.Read(reader);
        _target.Read(reader);
        _targetValues.Clear();
        _optimizer.Read(reader);
    }

    public void Dispose()
    {
        _optimizer.Dispose();
        _online.Dispose();
        _target.Dispose();
    }

    private void Remember(EpisodeResult result)
    {
        var plan = result.Plan.Choices.ToArray();
        if (result.FailedLayer is { } failed)
        {
            // Nothing after the failing layer ran; its choice is what to avoid.
            Add(new Transition(plan, failed, (float)-_options.FailurePenalty, Terminal: true));
            return;
        }

        if (double.IsNaN(_rewardScale))
        {
            var finite = result.LayerCosts.Where(double.IsFinite).Order().ToArray();
            var median = finite.Length > 0 ? finite[finite.Length / 2] : 0;
            _rewardScale = median > 0 ? median : 1;
        }

        var total = result.LayerCosts.Sum();
        if (total < _bestCost)
        {
            (_best, _bestCost) = (plan, total);
        }

        for (var i = 0; i < plan.Length; i++)
        {
            var cost = result.LayerCosts[i];
            var reward = double.IsFinite(cost) ? -cost / _rewardScale : -_options.FailurePenalty;
            Add(new Transition(plan, i, (float)reward, Terminal: i == plan.Length - 1 || !double.IsFinite(cost)));
        }
    }

    private void Add(Transition transition)
    {
        if (_replay.Count < _options.ReplayCapacity)
        {
            _replay.Add(transition);
        }
        else
        {
            _replay[_replayNext] = transition;
            _replayNext = (_replayNext + 1) % _options.ReplayCapacity;
        }
    }

    private void Update()
    {
        var batch = new Transition[_options.BatchSize];
        for (var b = 0; b < batch.Length; b++)
        {
            batch[b] = _replay[_random.Next(_replay.Count)];
        }

        var targets = Targets(batch);
        var rows = new float[batch.Length * DqnFeatures.Width];
        var keys = new (int Layer, string Inputs)[batch.Length];
        var networkTargets = new float[batch.Length];
        for (var b = 0; b < batch.Length; b++)
        {
            _features.Write(batch[b].Layer, batch[b].Plan, batch[b].Plan[batch[b].Layer], rows, b * DqnFeatures.Width);
            keys[b] = StateKey(batch[b].Layer, batch[b].Plan);
            networkTargets[b] = (float)(targets[b] - Residual(keys[b], batch[b].Plan[batch[b].Layer]));
        }

        float[] predicted;
        using (var scope = NewDisposeScope())
        {
            // Torch-owned (aligned) copies, not tensor(float[]): see QNetwork.Owned.
            var input = QNetwork.Owned(rows, batch.Length, DqnFeatures.Width);
            var q = _online.Forward(input);
            predicted = q.detach().data<float>().ToArray();
            // Both learn from one TD error, target - (net + delta): the network fits what the residual leaves. A network
            // fitting the whole target alone drifts under a residual that lags it, and the greedy plan wanders.
            var loss = nn.functional.huber_loss(q, QNetwork.Owned(networkTargets, batch.Length));
            _optimizer.ZeroGrad();
            loss.backward();
            _optimizer.Step();
        }

        for (var b = 0; b < batch.Length; b++)
        {
            if (!_residual.TryGetValue(keys[b], out var delta))
            {
                _residual[keys[b]] = delta = new double[_space.Layers[batch[b].Layer].Choices.Count];
            }

            delta[batch[b].Plan[batch[b].Layer]] += _options.ResidualLearningRate * (networkTargets[b] - predicted[b]);
        }

        _updates++;
        if (_updates % _options.TargetSyncUpdates == 0)
        {
            SyncTarget();
        }
    }

    /// <summary>r + discount * max over the next layer's choices of the target network's Q plus the residual (r alone at the last layer).</summary>
    private float[] Targets(Transition[] batch)
    {
        var targets = new float[batch.Length];
        for (var b = 0; b < batch.Length; b++)
        {
            var next = 0.0;
            if (!batch[b].Terminal)
            {
                var key = StateKey(batch[b].Layer + 1, batch[b].Plan);
                var q = TargetValues(key, batch[b].Plan);
                next = Enumerable.Range(0, q.Length).Max(c => q[c] + Residual(key, c));
            }

            targets[b] = batch[b].Reward + (float)(_options.Discount * next);
        }

        return targets;
    }

    /// <summary>
    /// The target network's Q of every choice at <paramref name="key"/>'s layer. The target network changes only at a
    /// sync, and a layer's rows depend only on its input formats, so its values are kept until the next sync: a batch
    /// of 64 transitions draws from a few hundred states, and scoring every next layer's choices for each was most of
    /// an update's time. One state is scored alone, so its values do not depend on which batch first asked for it.
    /// </summary>
    private float[] TargetValues((int Layer, string Inputs) key, int[] plan)
    {
        if (!_targetValues.TryGetValue(key, out var q))
        {
            var n = _space.Layers[key.Layer].Choices.Count;
            var rows = new float[n * DqnFeatures.Width];
            _features.WriteAllChoices(key.Layer, plan, rows, 0);
            _targetValues[key] = q = _target.Evaluate(rows, n);
        }

        return q;
    }

    private void SyncTarget()
    {
        _target.CopyFrom(_online);
        _targetValues.Clear();
    }

    /// <summary>Q of every choice at <paramref name="layer"/> under <paramref name="choices"/>' earlier choices: the online network plus the residual.</summary>
    private float[] QValues(int layer, int[] choices, Dictionary<(int, string), float[]> cache)
    {
        var key = StateKey(layer, choices);
        if (!cache.TryGetValue(key, out var q))
        {
            var n = _space.Layers[layer].Choices.Count;
            var rows = new float[n * DqnFeatures.Width];
            _features.WriteAllChoices(layer, choices, rows, 0);
            q = _online.Evaluate(rows, n);
            if (_residual.TryGetValue(key, out var delta))
            {
                for (var c = 0; c < n; c++)
                {
                    q[c] = (float)(q[c] + delta[c]);
                }
            }

            cache[key] = q;
        }

        return q;
    }

    /// <summary>The residual's (and the proposal cache's) key of <paramref name="layer"/>: the formats its inputs arrive in under <paramref name="plan"/>.</summary>
    private (int Layer, string Inputs) StateKey(int layer, int[] plan) =>
        (layer, string.Join(',', _space.Layers[layer].Inputs.Select(p => p == SearchLayer.GraphInput ? TensorFormat.Plain : _space.Layers[p].Choices[plan[p]].Format)));

    private double Residual((int Layer, string Inputs) key, int choice) =>
        _residual.TryGetValue(key, out var delta) ? delta[choice] : 0;

    // Ties go to the first candidate, so equal networks make equal proposals.
    private static int ArgMax(float[] values, int[] candidates)
    {
        var best = candidates[0];
        foreach (var c in candidates)
        {
            if (values[c] > values[best])
            {
                best = c;
            }
        }

        return best;
    }

    /// <summary>One layer of one observed episode: the whole plan (it fixes this layer's and the next layer's input formats), the layer, its reward.</summary>
    private sealed record Transition(int[] Plan, int Layer, float Reward, bool Terminal);
}
