namespace Dsx.Search;

/// <summary>
/// Tabular Q-learning as in QS-DNN. An episode walks the layers in topological order; the state is (layer, formats of
/// its inputs), the action the layer's choice, the reward minus the layer's cost including its input conversion. After
/// each observed episode, its transitions and those of a batch of replayed past episodes update
/// Q(s,a) &lt;- (1-a) Q(s,a) + a (r + gamma max Q(s',a')), last layer first, s' being the next layer's state (none after
/// the last). Actions are epsilon-greedy under a schedule over the episode budget (<see cref="QLearningOptions"/>), with
/// the block moves and sticky exploration of <see cref="ExplorationMoves"/>. The first share of the budget learns fast
/// (mean measured rewards, a high step size), the rest at the slower <see cref="QLearningOptions.LearningRate"/>; the
/// last share exploits (a low epsilon, block moves around the incumbent plan, <see cref="QLearningOptions.TailShare"/>).
/// Unmeasured actions keep Q = 0, above every measured (negative) value, so the greedy policy tries them first.
/// A choice that made an episode fail is never proposed again.
/// </summary>
public sealed class QLearningStrategy : ISearchStrategy
{
    private const string StateTag = "qlearning/1";
    private const int BitsPerFormat = 4;

    private readonly SearchSpace _space;
    private readonly SplitMix64 _random;
    private readonly int _budget;
    private readonly QLearningOptions _options;
    private readonly ExplorationMoves _moves;
    private readonly Dictionary<TensorFormat, int> _formatIndex;
    private readonly QTable[] _q;
    private readonly bool[][] _forbidden;
    private readonly List<Episode> _memory = [];
    private int _proposed;

    public QLearningStrategy(SearchSpace space, ulong seed, int episodeBudget, QLearningOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(space);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(episodeBudget);
        if (space.Formats.Count > 1 << BitsPerFormat || space.Layers.Any(l => l.Inputs.Count * BitsPerFormat > 64))
        {
            throw new ArgumentException("too many formats or layer inputs to key a Q state", nameof(space));
        }

        _space = space;
        _random = new SplitMix64(seed);
        _budget = episodeBudget;
        _options = options ?? QLearningOptions.Default;
        _moves = _options.Moves;
        _formatIndex = space.Formats.Select((f, i) => (f, i)).ToDictionary(x => x.f, x => x.i);
        _q = [.. space.Layers.Select(l => new QTable(
            l.Choices.Count,
            _options.ShareAcrossInputFormats,
            [.. l.Choices.Select(c => _formatIndex[c.Format])],
            _options.EstimateConversions ? (key, action) => NeedsConversion(l, key, action) : null))];
        _forbidden = [.. space.Layers.Select(l => new bool[l.Choices.Count])];
    }

    public string Name => "qlearning";

    public IReadOnlyList<CandidatePlan> Propose(int count)
    {
        var plans = new List<CandidatePlan>(count);
        // Nothing is learned while proposing, so the incumbent is the same for the whole batch: found once, not per plan.
        int[]? incumbent = null;
        for (var n = 0; n < count; n++)
        {
            var episode = _proposed++;
            var epsilon = _options.Epsilon(episode, _budget);
            var tail = _options.Tail(episode, _budget);
            if (tail)
            {
                incumbent ??= Incumbent();
            }

            plans.Add(new CandidatePlan(_moves.Walk(_space, _random, epsilon, Allowed, (i, chosen, candidates) => Greedy(i, StateKey(i, chosen), candidates), tail ? incumbent : null)));
        }

        return plans;
    }

    public void Observe(IReadOnlyList<EpisodeResult> results)
    {
        ArgumentNullException.ThrowIfNull(results);
        foreach (var result in results)
        {
            if (result.FailedLayer is { } failed)
            {
                _forbidden[failed][result.Plan[failed]] = true;
                continue;
            }

            var episode = Remember(result.Plan, [.. result.LayerCosts.Select(c => -c)]);
            Learn(episode);
            for (var k = 0; k < _options.ReplayEpisodes; k++)
            {
                Learn(_memory[_random.Next(_memory.Count)]);
            }
        }
    }

    public byte[] SaveState() => StrategyState.Write(StateTag, w =>
    {
        w.Write(_random.State);
        w.Write(_proposed);
        foreach (var row in _forbidden)
        {
            foreach (var f in row)
            {
                w.Write(f);
            }
        }

        foreach (var table in _q)
        {
            table.Write(w);
        }

        w.Write(_memory.Count);
        foreach (var episode in _memory)
        {
            StrategyState.WriteInts(w, episode.Choices);
            foreach (var reward in episode.Rewards)
            {
                w.Write(reward);
            }
        }
    });

    public void RestoreState(byte[] state) => StrategyState.Read(state, StateTag, r =>
    {
        _random.State = r.ReadUInt64();
        _proposed = r.ReadInt32();
        foreach (var row in _forbidden)
        {
            for (var c = 0; c < row.Length; c++)
            {
                row[c] = r.ReadBoolean();
            }
        }

        foreach (var table in _q)
        {
            table.Read(r);
        }

        _memory.Clear();
        var episodes = r.ReadInt32();
        for (var e = 0; e < episodes; e++)
        {
            var choices = StrategyState.ReadInts(r);
            var rewards = new double[choices.Length];
            for (var i = 0; i < rewards.Length; i++)
            {
                rewards[i] = r.ReadDouble();
            }

            Remember(new CandidatePlan(choices), rewards);
        }
    });

    /// <summary>Stores an episode with its states resolved to table rows, so replay touches arrays only.</summary>
    private Episode Remember(CandidatePlan plan, double[] rewards)
    {
        int[] choices = [.. plan.Choices];
        var states = new int[plan.Count];
        for (var i = 0; i < plan.Count; i++)
        {
            states[i] = _q[i].Row(StateKey(i, choices));
        }

        var episode = new Episode(choices, states, rewards);
        _memory.Add(episode);
        for (var i = 0; i < plan.Count; i++)
        {
            _q[i].Observe(states[i], plan[i], rewards[i]);
        }

        return episode;
    }

    private void Learn(Episode episode)
    {
        // The phase follows from the episodes observed, which a restored state rebuilds: resuming stays exact.
        var fast = _options.Fast(_memory.Count, _budget);
        var alpha = _options.Alpha(_memory.Count, _budget);
        for (var i = episode.Choices.Length - 1; i >= 0; i--)
        {
            var future = i == episode.Choices.Length - 1 ? 0 : BestValue(i + 1, episode.States[i + 1]);
            var reward = _options.AverageRewards || fast ? _q[i].MeanReward(episode.States[i], episode.Choices[i]) : episode.Rewards[i];
            _q[i].Update(episode.States[i], episode.Choices[i], reward + (_options.Discount * future), alpha);
        }
    }

    /// <summary>
    /// The measured plan whose layers' mean measured rewards (each state-action's, pooled over every episode) sum
    /// highest: the plan the search would pick now (<see cref="SimulationRun"/>, <see cref="Exploration"/>); null
    /// before anything was measured. Rebuilt from the stored episodes, so a restored state proposes alike.
    /// </summary>
    private int[]? Incumbent()
    {
        int[]? best = null;
        var bestValue = double.NegativeInfinity;
        foreach (var episode in _memory)
        {
            var value = 0.0;
            for (var i = 0; i < episode.Choices.Length; i++)
            {
                value += _q[i].MeanReward(episode.States[i], episode.Choices[i]);
            }

            if (value > bestValue)
            {
                (best, bestValue) = (episode.Choices, value);
            }
        }

        return best;
    }

    private double BestValue(int layer, int row)
    {
        var best = double.NegativeInfinity;
        for (var a = 0; a < _forbidden[layer].Length; a++)
        {
            if (!_forbidden[layer][a])
            {
                best = Math.Max(best, _q[layer].Value(row, a));
            }
        }

        return double.IsNegativeInfinity(best) ? 0 : best;
    }

    /// <summary>
    /// The allowed action of highest Q in the state; ties (e.g. untried actions, all at 0) broken at random, among those
    /// that convert nothing if any do (<see cref="QLearningOptions.TieBreakInFormat"/>).
    /// </summary>
    private int Greedy(int layer, ulong state, int[] allowed)
    {
        var table = _q[layer];
        var row = table.Row(state);
        var best = allowed.Max(a => table.Value(row, a));
        var ties = allowed.Where(a => table.Value(row, a) == best).ToArray();
        if (_options.TieBreakInFormat && ties.Length > 1)
        {
            var plain = ties.Where(a => !NeedsConversion(_space.Layers[layer], state, a)).ToArray();
            ties = plain.Length > 0 ? plain : ties;
        }

        return ties.Length == 1 ? ties[0] : ties[_random.Next(ties.Length)];
    }

    /// <summary>The layer's choices that never failed; all of them if every one failed (the plan must name something).</summary>
    private int[] Allowed(int layer)
    {
        var allowed = Enumerable.Range(0, _forbidden[layer].Length).Where(c => !_forbidden[layer][c]).ToArray();
        return allowed.Length > 0 ? allowed : [.. Enumerable.Range(0, _forbidden[layer].Length)];
    }

    /// <summary>The state of layer <paramref name="layer"/>: the formats its inputs arrive in, given the choices made so far.</summary>
    private ulong StateKey(int layer, int[] chosen)
    {
        ulong key = 0;
        var inputs = _space.Layers[layer].Inputs;
        for (var k = 0; k < inputs.Count; k++)
        {
            var format = inputs[k] == SearchLayer.GraphInput ? TensorFormat.Plain : _space.Layers[inputs[k]].Choices[chosen[inputs[k]]].Format;
            key |= (ulong)_formatIndex[format] << (k * BitsPerFormat);
        }

        return key;
    }

    /// <summary>Whether <paramref name="action"/> at <paramref name="layer"/> converts its inputs, in the formats <paramref name="state"/> encodes.</summary>
    private bool NeedsConversion(SearchLayer layer, ulong state, int action)
    {
        var from = new TensorFormat[layer.Inputs.Count];
        for (var k = 0; k < from.Length; k++)
        {
            from[k] = _space.Formats[(int)((state >> (k * BitsPerFormat)) & ((1UL << BitsPerFormat) - 1))];
        }

        return MeasurementTable.NeedsConversion(layer, from, layer.Choices[action].Format);
    }

    private sealed record Episode(int[] Choices, int[] States, double[] Rewards);

    /// <summary>
    /// One layer's Q values: a row per state seen, in the order first seen. With <paramref name="share"/>, an action
    /// not yet tried in a state is valued at its best over the states that tried it (0 where none did): optimistic, as
    /// the best is usually the state whose format needs no conversion, but bounded by what the action costs.
    /// With <paramref name="needsConversion"/> (<see cref="QLearningOptions.EstimateConversions"/>), such an action is
    /// valued at its best where it converted nothing plus the conversion's reward measured in this state, so that the
    /// policy stops trying every format mismatch as if converting were free. Measured rewards are kept per state-action
    /// (means for <see cref="QLearningOptions.AverageRewards"/> and the conversion estimates); they are not saved but
    /// rebuilt from the stored episodes on restore.
    /// </summary>
    private sealed class QTable(int actions, bool share, int[] actionFormats, Func<ulong, int, bool>? needsConversion)
    {
        private readonly Dictionary<ulong, int> _rows = [];
        private readonly List<ulong> _keys = [];
        private readonly List<double[]> _values = [];
        private readonly List<int[]> _visits = [];
        private readonly List<double[]> _rewardSums = [];
        private readonly List<int[]> _observations = [];
        private readonly List<bool[]> _converts = [];
        private readonly double[] _bestUnconverted = new double[actions];
        // Measured rewards of each action where it needed no conversion, and, per (state, action), where it did.
        private readonly double[] _unconvertedSums = new double[actions];
        private readonly int[] _unconvertedCounts = new int[actions];
        private readonly Dictionary<ulong, double> _conversionCache = [];
        private readonly double[] _bestTried = new double[actions];
        private readonly bool[] _stale = Enumerable.Repeat(true, actions).ToArray();

        public int Row(ulong state)
        {
            if (!_rows.TryGetValue(state, out var row))
            {
                row = _rows[state] = _keys.Count;
                _keys.Add(state);
                _values.Add(new double[actions]);
                _visits.Add(new int[actions]);
                _rewardSums.Add(new double[actions]);
                _observations.Add(new int[actions]);
                _converts.Add([.. Enumerable.Range(0, actions).Select(a => needsConversion?.Invoke(state, a) ?? false)]);
            }

            return row;
        }

        /// <summary>Records a measured reward (not a replay); rebuilt from the stored episodes on restore.</summary>
        public void Observe(int row, int action, double reward)
        {
            _rewardSums[row][action] += reward;
            _observations[row][action]++;
            if (!_converts[row][action])
            {
                _unconvertedSums[action] += reward;
                _unconvertedCounts[action]++;
            }

            _conversionCache.Clear();
        }

        /// <summary>
        /// The reward share of converting the inputs of state <paramref name="row"/> for <paramref name="action"/>: over
        /// the actions of the same format measured in that state, their reward there minus their mean unconverted reward.
        /// 0 (free, so optimistic) until one such pair is measured; never above 0.
        /// </summary>
        private double ConversionReward(int row, int action)
        {
            var cacheKey = ((ulong)row << 32) | (uint)action;
            if (_conversionCache.TryGetValue(cacheKey, out var cached))
            {
                return cached;
            }

            double sum = 0;
            var count = 0;
            for (var b = 0; b < actions; b++)
            {
                if (_observations[row][b] > 0 && _unconvertedCounts[b] > 0 && _converts[row][b] && actionFormats[b] == actionFormats[action])
                {
                    sum += _rewardSums[row][b] - (_observations[row][b] * _unconvertedSums[b] / _unconvertedCounts[b]);
                    count += _observations[row][b];
                }
            }

            return _conversionCache[cacheKey] = count == 0 ? 0 : Math.Min(0, sum / count);
        }

        public double MeanReward(int row, int action) => _rewardSums[row][action] / _observations[row][action];

        public double Value(int row, int action)
        {
            if (_visits[row][action] > 0 || !share)
            {
                return _values[row][action];
            }

            if (_stale[action])
            {
                // Recomputed, not kept as a running value: the same from a restored state as from an uninterrupted run.
                var best = double.NegativeInfinity;
                var bestUnconverted = double.NegativeInfinity;
                for (var r = 0; r < _values.Count; r++)
                {
                    if (_visits[r][action] > 0)
                    {
                        best = Math.Max(best, _values[r][action]);
                        if (!_converts[r][action])
                        {
                            bestUnconverted = Math.Max(bestUnconverted, _values[r][action]);
                        }
                    }
                }

                (_bestTried[action], _bestUnconverted[action], _stale[action]) = (double.IsNegativeInfinity(best) ? 0 : best, bestUnconverted, false);
            }

            if (needsConversion is not null && !double.IsNegativeInfinity(_bestUnconverted[action]))
            {
                return _bestUnconverted[action] + (_converts[row][action] ? ConversionReward(row, action) : 0);
            }

            return _bestTried[action];
        }

        /// <summary>One step towards <paramref name="target"/> with rate max(<paramref name="learningRate"/>, 1/visits).</summary>
        public void Update(int row, int action, double target, double learningRate)
        {
            var visits = ++_visits[row][action];
            var rate = Math.Max(learningRate, 1.0 / visits);
            var value = ((1 - rate) * _values[row][action]) + (rate * target);
            _values[row][action] = value;
            _stale[action] = true;
        }

        public void Write(BinaryWriter w)
        {
            w.Write(_keys.Count);
            for (var row = 0; row < _keys.Count; row++)
            {
                w.Write(_keys[row]);
                for (var a = 0; a < actions; a++)
                {
                    w.Write(_values[row][a]);
                    w.Write(_visits[row][a]);
                }
            }
        }

        public void Read(BinaryReader r)
        {
            _rows.Clear();
            _keys.Clear();
            _values.Clear();
            _visits.Clear();
            _rewardSums.Clear();
            _observations.Clear();
            _converts.Clear();
            Array.Clear(_unconvertedSums);
            Array.Clear(_unconvertedCounts);
            _conversionCache.Clear();
            var rows = r.ReadInt32();
            for (var n = 0; n < rows; n++)
            {
                var row = Row(r.ReadUInt64());
                for (var a = 0; a < actions; a++)
                {
                    _values[row][a] = r.ReadDouble();
                    _visits[row][a] = r.ReadInt32();
                }
            }

            Array.Fill(_stale, true);
        }
    }
}
