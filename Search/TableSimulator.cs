namespace Dsx.Search;

/// <summary>
/// Replays a <see cref="MeasurementTable"/> as if it were a board, with the noise it measured: a layer's compute in an
/// episode is one of its recorded measurement medians drawn at random, times a lognormal factor whose sigma is the
/// entry's within-run spread (ln(max/min)/4, about the sigma if min and max sit two sigmas out; capped at 0.3).
/// Conversions likewise; a conversion never measured takes the <see cref="AdditiveCostModel"/> estimate with the median
/// sigma of the measured ones (mean-preserving). A layer whose choice was never measured fails the episode.
/// Deterministic under the seed. A plan's true cost on this simulated board is what its episodes cost on average
/// (<see cref="ExpectedTable"/>); without measured noise every quantity is its estimate, so observed and true agree.
/// </summary>
public sealed class TableSimulator
{
    private const double MaxSigma = 0.3;

    private readonly MeasurementTable _table;
    private readonly SplitMix64 _random;
    private readonly double _estimatedConversionSigma;
    private readonly bool _measuredNoise;

    public TableSimulator(MeasurementTable table, Objective objective, ulong seed, bool measuredNoise = true)
    {
        ArgumentNullException.ThrowIfNull(table);
        _table = table;
        _measuredNoise = measuredNoise;
        _random = new SplitMix64(seed);
        // Regret is scored against what the replayed board costs on average: a table recorded on a loaded board has skewed
        // medians, and scoring against their medians would charge every search for the board's skew.
        Truth = new AdditiveCostModel(measuredNoise ? ExpectedTable(table) : table, objective);
        var sigmas = table.Space.Layers.SelectMany(l => table.Conversions(l.Index).Values).Select(Sigma).ToList();
        _estimatedConversionSigma = sigmas.Count > 0 ? TimingStat.Median(sigmas) : 0;
    }

    /// <summary>A plan's true cost on the simulated board: its expected cost under the replayed noise.</summary>
    public AdditiveCostModel Truth { get; }

    public Objective Objective => Truth.Objective;

    /// <summary>One noisy measurement of <paramref name="plan"/>, costed under the objective.</summary>
    public EpisodeResult Measure(CandidatePlan plan) => MeasureTimed(plan).Result;

    /// <summary>
    /// One noisy measurement, with the time the board spent running the plan once (the drawn compute and conversions in
    /// ms, whatever the objective; 0 for a failed episode): what a search pays in board time for measuring it.
    /// </summary>
    public (EpisodeResult Result, double BoardMs) MeasureTimed(CandidatePlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var space = _table.Space;
        var costs = new double[plan.Count];
        long bytes = 0;
        var boardMs = 0.0;
        for (var i = 0; i < plan.Count; i++)
        {
            if (_table.Compute(i, plan[i]) is not { } compute)
            {
                return (new EpisodeResult(plan, [], double.PositiveInfinity, i), 0);
            }

            var from = space.InputFormats(plan, i);
            var to = space.Choice(plan, i).Format;
            var conversion = !MeasurementTable.NeedsConversion(space.Layers[i], from, to) ? 0
                : _table.Conversion(i, from, to) is { } measured ? Draw(measured)
                : Truth.ConversionMs(i, from, to) * MeanOneNoise(_estimatedConversionSigma);
            var memory = Truth.MemoryBytes(i, plan[i]);
            bytes += memory;
            var ms = Draw(compute) + conversion;
            boardMs += ms;
            costs[i] = Objective.LayerCost(ms, memory);
        }

        return (new EpisodeResult(plan, costs, costs.Sum() + Objective.PlanPenalty(bytes)), boardMs);
    }

    /// <summary>
    /// The table of what this simulator's episodes cost on average: every entry's expected draw (mean of its medians
    /// times the lognormal's mean, exp(sigma^2/2)). Conversions never measured are estimated from the expected measured
    /// ones, and their draws are scaled to that mean.
    /// </summary>
    public static MeasurementTable ExpectedTable(MeasurementTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        var expected = new MeasurementTable(table.Space, table.Board);
        foreach (var layer in table.Space.Layers)
        {
            for (var c = 0; c < layer.Choices.Count; c++)
            {
                if (table.Compute(layer.Index, c) is { } compute)
                {
                    expected.SetCompute(layer.Index, c, Expected(compute));
                }

                if (table.Memory(layer.Index, c) is { } memory)
                {
                    expected.SetMemory(layer.Index, c, memory);
                }
            }

            foreach (var (key, conversion) in table.Conversions(layer.Index))
            {
                var parts = key.Split('>');
                expected.SetConversion(layer.Index, [.. parts[0].Split('+').Select(TensorFormat.Parse)], TensorFormat.Parse(parts[1]), Expected(conversion));
            }
        }

        return expected;
    }

    private static TimingStat Expected(TimingStat stat)
    {
        var sigma = Sigma(stat);
        var mean = stat.Medians.Average() * Math.Exp(sigma * sigma / 2);
        var expected = new TimingStat();
        expected.Add(mean, mean, mean, stat.UpdatedUnixMs);
        return expected;
    }

    private double Draw(TimingStat stat) => _measuredNoise ? stat.Medians[_random.Next(stat.Medians.Count)] * Noise(Sigma(stat)) : stat.Estimate;

    private double Noise(double sigma) => _measuredNoise && sigma > 0 ? Math.Exp(sigma * _random.NextGaussian()) : 1;

    private double MeanOneNoise(double sigma) => Noise(sigma) * (_measuredNoise ? Math.Exp(-sigma * sigma / 2) : 1);

    private static double Sigma(TimingStat stat) =>
        stat.Min > 0 && stat.Max > stat.Min ? Math.Min(MaxSigma, Math.Log(stat.Max / stat.Min) / 4) : 0;
}
