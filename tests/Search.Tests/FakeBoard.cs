using Dsx.Wire;

namespace Dsx.Search.Tests;

/// <summary>
/// A board for the exploration loop's tests: each choice of a layer costs a fixed time (conversions 0.5 ms each), the
/// end-to-end time is the per-layer sum plus <see cref="EndToEndBonusMs"/> for plans it lists, INT8 plans' outputs are
/// off the FP32 ones by <see cref="Int8Error"/>, a choice listed in <see cref="Failing"/> fails naming its layer, and a
/// <see cref="Noisy"/> board's slowest run of every timing takes twice its median (a spread of 100%).
/// It counts what it was asked.
/// </summary>
internal sealed class FakeBoard(SearchSpace space, Func<int, LayerChoice, double> computeMs) : IPlanMeasurer
{
    public List<CandidatePlan> Measured { get; } = [];

    public List<CandidatePlan> CalibrationRuns { get; } = [];

    public Dictionary<CandidatePlan, double> EndToEndBonusMs { get; } = [];

    public HashSet<(int Layer, int Choice)> Failing { get; } = [];

    public bool NameFailedLayer { get; init; } = true;

    public bool Noisy { get; init; }

    /// <summary>How far an INT8 plan's scores move: a fraction of the reference's, plus a swap of the top two classes when top-1 is to flip.</summary>
    public double Int8Error { get; set; }

    public bool Int8FlipsTop1 { get; set; }

    public static float[][] ReferenceRows { get; } = [.. Enumerable.Range(0, 8).Select(i => new float[] { i % 4, 10 + i, 1, 2 })];

    public Task<PlanMeasurement> MeasureAsync(CandidatePlan plan, string key, CancellationToken cancellationToken)
    {
        Measured.Add(plan);
        for (var i = 0; i < plan.Count; i++)
        {
            if (Failing.Contains((i, plan[i])))
            {
                return Task.FromResult(PlanMeasurement.Failed(new PlanFailure(NameFailedLayer ? space.Layers[i].Name : "", "refused")));
            }
        }

        var reply = new MeasureReply { Memory = new MemoryReport { PeakBytes = 1000 * (1 + plan.Choices.Sum()) } };
        var sum = 0.0;
        for (var i = 0; i < plan.Count; i++)
        {
            var choice = space.Choice(plan, i);
            var from = space.InputFormats(plan, i);
            var compute = computeMs(i, choice);
            var conversion = MeasurementTable.NeedsConversion(space.Layers[i], from, choice.Format) ? 0.5 : 0;
            sum += compute + conversion;
            reply.Layers.Add(new LayerTiming
            {
                Name = space.Layers[i].Name,
                Choice = choice.ToWire(),
                Compute = Timing(compute),
                Conversion = Timing(conversion),
                Total = Timing(compute + conversion),
                WeightsBytes = 100,
            });
        }

        reply.EndToEnd = Timing(sum + EndToEndBonusMs.GetValueOrDefault(plan));
        return Task.FromResult(PlanMeasurement.Success(reply));
    }

    public Task<PlanOutputs> RunCalibrationAsync(CandidatePlan plan, string key, CancellationToken cancellationToken)
    {
        CalibrationRuns.Add(plan);
        var int8 = space.UsesInt8(plan);
        var rows = ReferenceRows.Select(row =>
        {
            var copy = row.Select(v => int8 ? (float)(v * (1 + Int8Error)) : v).ToArray();
            if (int8 && Int8FlipsTop1)
            {
                (copy[0], copy[1]) = (copy[1] + 100, copy[0]);
            }

            return copy;
        }).ToList();
        return Task.FromResult(PlanOutputs.Success(rows));
    }

    private Timing Timing(double ms) => new() { MinMs = ms, MedianMs = ms, MaxMs = Noisy ? 2 * ms : ms };
}
