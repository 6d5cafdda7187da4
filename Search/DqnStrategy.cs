using static TorchSharp.torch;

namespace Dsx.Search;

/// <summary>
/// Deep Q-learning over layer features (TorchSharp). An episode walks the layers in topological order; the state
/// at a layer is the layer plus the formats its inputs arrive in, the action is one of its choices, the reward is
/// minus that layer's cost (compute + input conversion) over a reward scale; with discount 1, Q is minus the cost of
/// the rest of the network.
/// <para>
/// Q(s, a) = r(s, a) + F(s, a): the layer's own reward plus the value of what follows.
/// <list type="bullet">
/// <item>r is the mean measured reward of (layer, input formats, choice) once measured; before, the network's
/// prediction. The network (an MLP of <see cref="DqnFeatures"/>, which name no layer or model) regresses the log of a
/// layer's cost in milliseconds: the part of Q that depends on what a layer is and how it runs, so it carries to other
/// layers, models and boards (<see cref="SaveWeights"/>, <see cref="DqnOptions.InitialWeightsPath"/>). An unmeasured
/// choice is scored optimistically, its predicted cost divided by e^(<see cref="DqnOptions.Optimism"/> x the RMS log
/// error the network made on choices when they were first measured, before it trained on them): a network that still
/// predicts badly (from scratch) makes the search try what it cannot rule out, an accurate one (transferred) only the
/// plausible alternatives. A measured mean is optimistic alike, by its standard error: the board's noise (pooled
/// over re-measured choices, in log) over the square root of its count, so a choice that was unlucky in one noisy
/// measurement is measured again (the DQN had ended 2.3 % off on ResNet-18's noisy table, bench/search.md).</item>
/// <item>F is a table per (layer, input formats, choice) of the best Q at the next layer, backed up over each observed
/// episode and <see cref="DqnOptions.ReplayEpisodes"/> replayed ones, last layer first (QS-DNN's experience replay).
/// A choice not backed up yet borrows the best F of its state; a state not seen yet the best F of its layer: what
/// follows a layer costs about the same whatever it chose, give or take conversions.</item>
/// </list>
/// The future is a table because two plans' remaining costs differ by a fraction of a percent of it, finer than an MLP
/// fits, and because it belongs to one network: a network trained on the whole Q (until 2026-12-01) transferred
/// badly across models of different depth (bench/dqn-transfer.md, eighth round). The table and the measured means are
/// the learner's state, not in the saved weights.
/// </para>
/// <para>
/// Proposals are epsilon-greedy per layer, epsilon falling linearly over the episode budget, optionally with the block
/// moves and sticky exploration of <see cref="DqnOptions.Moves"/> (Q-learning's). The network learns as a DQN does: a
/// replay memory of single-layer transitions, Huber loss, Adam, and a target network synced every few updates, whose
/// predictions the backups use. The reward scale is the median per-layer cost of the first successful episode
/// observed, then fixed. The median, not the mean: a first (random) episode's mean is dominated by a few very slow
/// choices (reference kernels, oversubscribed threads).
/// </para>
/// <para>
/// Deterministic under its seed: the initial weights, exploration and replay sampling come from one
/// <see cref="SplitMix64"/>, and torch runs on one thread (<c>torch.set_num_threads(1)</c>, process-wide).
/// Every tensor handed to the network lives in torch-allocated (aligned) memory (<see cref="QNetwork.Owned"/>), so
/// the kernels round the same way each time and near-equal Q values never flip with where the GC put an array.
/// The state holds both networks, Adam's moments, the replay memory, the measured means, the future table, the
/// counters and the random state.
/// </para>
/// </summary>
public sealed class DqnStrategy : ISearchStrategy, IDisposable
{
    private const string StateFormat = "dsx-dqn-state/5";
    private const string WeightsFormat = "dsx-dqn-weights/2";

    /// <summary>Floor of a cost the network regresses the log of (ms): a layer that measured 0 must not give -infinity.</summary>
    private const double SmallestCost = 1e-6;

    private readonly SearchSpace _space;
    private readonly DqnOptions _options;
    private readonly DqnFeatures _features;
    private readonly SplitMix64 _random;
    private readonly QNetwork _online;
    private readonly QNetwork _target;
    private readonly AdamOptimizer _optimizer;
    private readonly List<Transition> _replay = [];
    private readonly List<Episode> _episodes = [];
    private readonly Dictionary<(int Layer, string Inputs), (double Sum, int Count)[]> _measured = [];
    private readonly Dictionary<(int Layer, string Inputs), double[]> _future = [];
    private readonly List<double[]>[] _futureByLayer;
    private readonly Dictionary<(int Layer, string Inputs), float[]> _targetValues = [];
    private readonly Func<int, int[]> _allChoices;
    private int _replayNext;
    private long _episodesProposed;
    private long _updates;
    private double _rewardScale = double.NaN;
    private double _logSquaredError = 1;
    private double _noiseSum;
    private long _noiseCount;
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
        _futureByLayer = [.. space.Layers.Select(_ => new List<double[]>())];
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
        // Within one call nothing learned changes, and a layer's Q values depend only on its input formats.
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
            var episode = Remember(result);
            _episodes.Add(episode);
            BackUp(episode);
            for (var k = 0; k < _options.ReplayEpisodes; k++)
            {
                BackUp(_episodes[_random.Next(_episodes.Count)]);
            }
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
    /// <exception cref="InvalidDataException">Not a weights file of this version, or of a network of another shape.</exception>
    public void LoadWeights(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var file = File.OpenRead(path);
        using var reader = new BinaryReader(file);
        string format;
        try
        {
            format = reader.ReadString();
        }
        catch (EndOfStreamException)
        {
            // Shorter than its own header.
            format = "";
        }

        if (format != WeightsFormat)
        {
            throw new InvalidDataException(format.StartsWith("dsx-dqn-weights/", StringComparison.Ordinal)
                ? $"'{path}' holds DQN weights of another version ({format}; this learner reads {WeightsFormat}, whose network predicts per-layer costs): train the source learner again"
                : $"'{path}' is not a DQN weights file ({WeightsFormat})");
        }

        try
        {
            _online.Read(reader);
        }
        catch (EndOfStreamException)
        {
            throw new InvalidDataException($"'{path}' is cut short: it ends inside the network's weights");
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"'{path}': {e.Message}", e);
        }

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
            writer.Write(_logSquaredError);
            writer.Write(_noiseSum);
            writer.Write(_noiseCount);
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
                StrategyState.WriteInts(writer, t.Plan);
            }

            writer.Write(_episodes.Count);
            foreach (var e in _episodes)
            {
                StrategyState.WriteInts(writer, e.Plan);
                writer.Write(e.Last);
            }

            writer.Write(_measured.Count);
            foreach (var ((layer, inputs), means) in _measured)
            {
                writer.Write(layer);
                writer.Write(inputs);
                foreach (var (sum, count) in means)
                {
                    writer.Write(sum);
                    writer.Write(count);
                }
            }

            writer.Write(_future.Count);
            foreach (var ((layer, inputs), future) in _future)
            {
                writer.Write(layer);
                writer.Write(inputs);
                foreach (var f in future)
                {
                    writer.Write(f);
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
            throw new ArgumentException($"not a DQN state ({StateFormat}) of this {_space.Layers.Count}-layer search space", nameof(state));
        }

        _random.State = reader.ReadUInt64();
        _episodesProposed = reader.ReadInt64();
        _updates = reader.ReadInt64();
        _rewardScale = reader.ReadDouble();
        _logSquaredError = reader.ReadDouble();
        _noiseSum = reader.ReadDouble();
        _noiseCount = reader.ReadInt64();
        _bestCost = reader.ReadDouble();
        _best = reader.ReadBoolean() ? StrategyState.ReadInts(reader) : null;
        var count = reader.ReadInt32();
        _replayNext = reader.ReadInt32();
        _replay.Clear();
        for (var k = 0; k < count; k++)
        {
            var layer = reader.ReadInt32();
            var reward = reader.ReadSingle();
            _replay.Add(new Transition(StrategyState.ReadInts(reader), layer, reward));
        }

        _episodes.Clear();
        count = reader.ReadInt32();
        for (var k = 0; k < count; k++)
        {
            _episodes.Add(new Episode(StrategyState.ReadInts(reader), reader.ReadInt32()));
        }

        _measured.Clear();
        count = reader.ReadInt32();
        for (var k = 0; k < count; k++)
        {
            var key = (reader.ReadInt32(), reader.ReadString());
            var means = new (double, int)[_space.Layers[key.Item1].Choices.Count];
            for (var c = 0; c < means.Length; c++)
            {
                means[c] = (reader.ReadDouble(), reader.ReadInt32());
            }

            _measured[key] = means;
        }

        _future.Clear();
        foreach (var list in _futureByLayer)
        {
            list.Clear();
        }

        count = reader.ReadInt32();
        for (var k = 0; k < count; k++)
        {
            var key = (reader.ReadInt32(), reader.ReadString());
            var future = NewFuture(key);
            for (var c = 0; c < future.Length; c++)
            {
                future[c] = reader.ReadDouble();
            }
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

    /// <summary>Stores the episode's transitions for the network and its rewards in the measured means; returns it for the backups.</summary>
    private Episode Remember(EpisodeResult result)
    {
        var plan = result.Plan.Choices.ToArray();
        if (result.FailedLayer is { } failed)
        {
            // Nothing after the failing layer ran; its choice is what to avoid.
            Witness(plan, StateKey(failed, plan), -_options.FailurePenalty);
            return new Episode(plan, failed);
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

        var last = plan.Length - 1;
        var firstSeen = new List<int>();
        for (var i = 0; i < plan.Length; i++)
        {
            var cost = result.LayerCosts[i];
            var reward = double.IsFinite(cost) ? -cost / _rewardScale : -_options.FailurePenalty;
            var key = StateKey(i, plan);
            if (double.IsFinite(cost))
            {
                if (IsMeasured(key, plan[i]))
                {
                    TrackNoise(key, plan[i], cost);
                }
                else
                {
                    firstSeen.Add(i);
                }
            }

            Witness(plan, key, reward);
            if (!double.IsFinite(cost))
            {
                last = i;
                break;
            }
        }

        TrackPredictionError(plan, firstSeen, result.LayerCosts);
        return new Episode(plan, last);
    }

    private bool IsMeasured((int Layer, string Inputs) key, int choice) =>
        _measured.TryGetValue(key, out var means) && means[choice].Count > 0;

    /// <summary>
    /// Folds the network's log-cost error on choices measured for the first time into the error the optimism allows
    /// for: their error before the network trained on them, which is what it gets wrong about the choices not measured yet.
    /// </summary>
    private void TrackPredictionError(int[] plan, List<int> layers, IReadOnlyList<double> costs)
    {
        if (layers.Count == 0)
        {
            return;
        }

        var rows = new float[layers.Count * DqnFeatures.Width];
        for (var k = 0; k < layers.Count; k++)
        {
            _features.Write(layers[k], plan, plan[layers[k]], rows, k * DqnFeatures.Width);
        }

        var predicted = _online.Evaluate(rows, layers.Count);
        for (var k = 0; k < layers.Count; k++)
        {
            var error = predicted[k] - Math.Log(Math.Max(SmallestCost, costs[layers[k]]));
            // A moving mean: the optimism should allow for the network's error now, not for its random start.
            _logSquaredError = (0.95 * _logSquaredError) + (0.05 * error * error);
        }
    }

    /// <summary>
    /// The spread of one measurement of a layer's cost (standard deviation in log), pooled over every re-measured choice;
    /// 0 until something was measured twice. Below 1e-9 it is the running means' rounding, not noise, and reads as 0,
    /// so a noise-free board's measured means are taken exactly as measured.
    /// </summary>
    private double MeasurementNoise
    {
        get
        {
            var noise = _noiseCount > 0 ? Math.Sqrt(_noiseSum / _noiseCount) : 0;
            return noise < 1e-9 ? 0 : noise;
        }
    }

    /// <summary>
    /// Folds how far a re-measured <paramref name="cost"/> lies from the choice's mean so far (in log) into the pooled
    /// measurement noise. With n earlier measurements the squared deviation's expectation is sigma^2 (1 + 1/n), hence the weight.
    /// </summary>
    private void TrackNoise((int Layer, string Inputs) key, int choice, double cost)
    {
        var (sum, count) = _measured[key][choice];
        var mean = -sum / count * _rewardScale;
        if (mean > 0 && cost > 0)
        {
            var deviation = Math.Log(cost / mean);
            _noiseSum += deviation * deviation * count / (count + 1.0);
            _noiseCount++;
        }
    }

    /// <summary>Records <paramref name="reward"/> of the layer of <paramref name="key"/> (its <see cref="StateKey"/> under <paramref name="plan"/>).</summary>
    private void Witness(int[] plan, (int Layer, string Inputs) key, double reward)
    {
        var layer = key.Layer;
        Add(new Transition(plan, layer, (float)reward));
        if (!_measured.TryGetValue(key, out var means))
        {
            _measured[key] = means = new (double, int)[_space.Layers[layer].Choices.Count];
        }

        var (sum, count) = means[plan[layer]];
        means[plan[layer]] = (sum + reward, count + 1);
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

    /// <summary>Sets F of each layer's choice in <paramref name="episode"/>, last layer first, to the best Q at the next layer (with discount).</summary>
    private void BackUp(Episode episode)
    {
        for (var i = episode.Last; i >= 0; i--)
        {
            var next = 0.0;
            if (i < episode.Last)
            {
                var nextKey = StateKey(i + 1, episode.Plan);
                var predicted = TargetValues(nextKey, episode.Plan);
                next = Enumerable.Range(0, predicted.Length).Max(c => Reward(nextKey, c, predicted[c]) + Future(nextKey, c));
            }

            var key = StateKey(i, episode.Plan);
            if (!_future.TryGetValue(key, out var future))
            {
                future = NewFuture(key);
            }

            future[episode.Plan[i]] = _options.Discount * next;
        }
    }

    private double[] NewFuture((int Layer, string Inputs) key)
    {
        var future = new double[_space.Layers[key.Layer].Choices.Count];
        Array.Fill(future, double.NaN);
        _future[key] = future;
        _futureByLayer[key.Layer].Add(future);
        return future;
    }

    /// <summary>The measured mean reward of <paramref name="choice"/> at <paramref name="key"/>, or the optimistic reward of the network's log-cost <paramref name="predicted"/>.</summary>
    private double Reward((int Layer, string Inputs) key, int choice, float predicted)
    {
        if (_measured.TryGetValue(key, out var means) && means[choice].Count > 0)
        {
            // Optimistic by the standard error of the mean: a choice unlucky in its few measurements is tried again.
            var (sum, count) = means[choice];
            return sum / count * Math.Exp(-_options.Optimism * MeasurementNoise / Math.Sqrt(count));
        }

        var scale = double.IsNaN(_rewardScale) ? 1 : _rewardScale;
        return -Math.Exp(predicted - (_options.Optimism * Math.Sqrt(_logSquaredError))) / scale;
    }

    /// <summary>F of <paramref name="choice"/> at <paramref name="key"/>, borrowed from its state's best, or its layer's best, until backed up.</summary>
    private double Future((int Layer, string Inputs) key, int choice)
    {
        if (_future.TryGetValue(key, out var future))
        {
            return double.IsNaN(future[choice]) ? BestOf([future]) : future[choice];
        }

        return BestOf(_futureByLayer[key.Layer]);
    }

    private static double BestOf(IEnumerable<double[]> futures)
    {
        var best = double.NaN;
        foreach (var future in futures)
        {
            foreach (var f in future)
            {
                // NaN (not backed up) never compares true, so it is skipped.
                if (f > best || (double.IsNaN(best) && !double.IsNaN(f)))
                {
                    best = f;
                }
            }
        }

        return double.IsNaN(best) ? 0 : best;
    }

    /// <summary>One gradient step of the network towards the log costs of a batch of replayed transitions.</summary>
    private void Update()
    {
        var batch = new Transition[_options.BatchSize];
        for (var b = 0; b < batch.Length; b++)
        {
            batch[b] = _replay[_random.Next(_replay.Count)];
        }

        var rows = new float[batch.Length * DqnFeatures.Width];
        var logCosts = new float[batch.Length];
        for (var b = 0; b < batch.Length; b++)
        {
            _features.Write(batch[b].Layer, batch[b].Plan, batch[b].Plan[batch[b].Layer], rows, b * DqnFeatures.Width);
            logCosts[b] = (float)Math.Log(Math.Max(SmallestCost, -batch[b].Reward * _rewardScale));
        }

        using (var scope = NewDisposeScope())
        {
            // Torch-owned (aligned) copies, not tensor(float[]): see QNetwork.Owned.
            var input = QNetwork.Owned(rows, batch.Length, DqnFeatures.Width);
            var q = _online.Forward(input);
            var loss = nn.functional.huber_loss(q, QNetwork.Owned(logCosts, batch.Length));
            _optimizer.ZeroGrad();
            loss.backward();
            _optimizer.Step();
        }

        _updates++;
        if (_updates % _options.TargetSyncUpdates == 0)
        {
            SyncTarget();
        }
    }

    /// <summary>
    /// The target network's log cost of every choice at <paramref name="key"/>'s layer. The target network changes only
    /// at a sync, and a layer's rows depend only on its input formats, so its values are kept until the next sync.
    /// </summary>
    private float[] TargetValues((int Layer, string Inputs) key, int[] plan)
    {
        if (!_targetValues.TryGetValue(key, out var values))
        {
            _targetValues[key] = values = Predict(_target, key.Layer, plan);
        }

        return values;
    }

    private float[] Predict(QNetwork network, int layer, int[] plan)
    {
        var n = _space.Layers[layer].Choices.Count;
        var rows = new float[n * DqnFeatures.Width];
        _features.WriteAllChoices(layer, plan, rows, 0);
        return network.Evaluate(rows, n);
    }

    private void SyncTarget()
    {
        _target.CopyFrom(_online);
        _targetValues.Clear();
    }

    /// <summary>Q of every choice at <paramref name="layer"/> under <paramref name="choices"/>' earlier choices.</summary>
    private float[] QValues(int layer, int[] choices, Dictionary<(int, string), float[]> cache)
    {
        var key = StateKey(layer, choices);
        if (!cache.TryGetValue(key, out var q))
        {
            var predicted = Predict(_online, layer, choices);
            q = [.. predicted.Select((p, c) => (float)(Reward(key, c, p) + Future(key, c)))];
            cache[key] = q;
        }

        return q;
    }

    /// <summary>The key of <paramref name="layer"/>'s state: the formats its inputs arrive in under <paramref name="plan"/>.</summary>
    private (int Layer, string Inputs) StateKey(int layer, int[] plan) =>
        (layer, string.Join(',', _space.Layers[layer].Inputs.Select(p => p == SearchLayer.GraphInput ? TensorFormat.Plain : _space.Layers[p].Choices[plan[p]].Format)));

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

    /// <summary>One layer of one observed episode: the whole plan (it fixes the layer's input formats), the layer, its reward.</summary>
    private sealed record Transition(int[] Plan, int Layer, float Reward);

    /// <summary>An observed plan and the last layer that ran (the failing one, if one failed).</summary>
    private sealed record Episode(int[] Plan, int Last);
}
