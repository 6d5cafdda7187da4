using Dsx.Wire;

namespace Dsx.Search.Tests;

public sealed class MeasurementTableTests
{
    private static readonly LayerChoice Nchw = new("gemm_neon", Layout.Nchw, Precision.Fp32, 1);
    private static readonly LayerChoice Nhwc = new("xnnpack", Layout.Nhwc, Precision.Fp32, 1);

    private static SearchSpace Chain(int layers) => new("chain", [.. Enumerable.Range(0, layers).Select(i => new SearchLayer(
        i, $"l{i}", OpType.Conv, 1e6, [1, 8, 4, 4], [i == 0 ? SearchLayer.GraphInput : i - 1], [128], i == layers - 1, [Nchw, Nhwc]))]);

    private static MeasureReply Reply(SearchSpace space, CandidatePlan plan, double computeMs, double conversionMs) => new()
    {
        Layers =
        {
            space.Layers.Select((l, i) => new LayerTiming
            {
                Name = l.Name,
                Choice = space.Choice(plan, i).ToWire(),
                Compute = new Timing { MinMs = computeMs, MedianMs = computeMs, MaxMs = computeMs },
                Conversion = new Timing { MinMs = conversionMs, MedianMs = conversionMs, MaxMs = conversionMs },
                WeightsBytes = 100 * (plan[i] + 1),
            }),
        },
        EndToEnd = new Timing { MinMs = 1, MedianMs = 2, MaxMs = 3 },
        Memory = new MemoryReport { PeakBytes = 1234 },
    };

    [Fact]
    public void Records_compute_only_conversions_that_happen_and_round_trips_through_json()
    {
        var space = Chain(3);
        var table = new MeasurementTable(space, new BoardDescription("local", "x86", false, "0.1", 2));
        var plan = new CandidatePlan([0, 1, 1]);
        table.Record(plan, Reply(space, plan, 2.0, 0.5), 6.0, 1000);

        var copy = MeasurementTable.Parse(table.ToJson());

        Assert.Equal(2.0, copy.Compute(0, 0)!.Estimate);
        Assert.Null(copy.Compute(0, 1));
        // l0 reads the NCHW graph input as NCHW: nothing converts. l1 converts NCHW->NHWC. l2 is a graph output in NHWC.
        Assert.Empty(copy.Conversions(0));
        Assert.Equal(0.5, copy.Conversion(1, [TensorFormat.Plain], Nhwc.Format)!.Estimate);
        Assert.Equal(0.5, copy.Conversion(2, [Nhwc.Format], Nhwc.Format)!.Estimate);
        Assert.Equal(200, copy.Memory(1, 1)!.WeightsBytes);
        Assert.Equal(6.0, Assert.Single(copy.EndToEnd).PredictedMs);
        Assert.Equal(1, copy.Measurements);
    }

    [Fact]
    public void Additive_model_sums_compute_and_conversions_and_estimates_unmeasured_conversions_per_element()
    {
        var space = Chain(3);
        var table = new MeasurementTable(space, new BoardDescription("local", "x86", false, "0.1", 2));
        var plan = new CandidatePlan([0, 1, 1]);
        table.Record(plan, Reply(space, plan, 2.0, 0.5), null, 1000);
        table.SetCompute(1, 0, Stat(3.0));
        table.SetCompute(2, 0, Stat(3.0));
        var model = new AdditiveCostModel(table);

        // 2 + (2 + 0.5) + (2 + 0.5)
        Assert.Equal(7.0, model.Predict(plan).LatencyMs, 6);
        // NHWC -> NCHW was never measured: estimated at the NCHW -> NHWC rate (0.5 ms per 128 elements).
        Assert.Equal(2 + 2.5 + 3 + 0.5, model.Predict(new CandidatePlan([0, 1, 0])).LatencyMs, 6);
        Assert.Equal(double.PositiveInfinity, model.Predict(new CandidatePlan([1, 1, 1])).LatencyMs);
    }

    [Fact]
    public void A_plan_is_trusted_only_when_every_layer_and_conversion_is_known_steady_and_fresh()
    {
        var space = Chain(2);
        var table = new MeasurementTable(space, new BoardDescription("local", "x86", false, "0.1", 2));
        var plan = new CandidatePlan([0, 1]);
        table.SetCompute(0, 0, Stat(2.0));
        table.SetCompute(1, 1, Stat(2.0));
        var policy = new TrustPolicy(MaxAge: TimeSpan.FromSeconds(1));

        // l1 converts NCHW -> NHWC and, as the graph output, back: that conversion was never measured.
        Assert.False(table.Trusts(plan, policy, 0));
        table.SetConversion(1, [TensorFormat.Plain], Nhwc.Format, Stat(0.5));
        Assert.True(table.Trusts(plan, policy, 0));
        Assert.False(table.Trusts(plan, policy, 5000));
        var noisy = new TimingStat();
        noisy.Add(1, 2, 4, 0);
        table.SetCompute(0, 0, noisy);
        Assert.False(table.Trusts(plan, policy, 0));
        // Just as noisy, but a few microseconds either way: negligible for a whole network.
        var tiny = new TimingStat();
        tiny.Add(0.001, 0.002, 0.004, 0);
        table.SetCompute(0, 0, tiny);
        Assert.True(table.Trusts(plan, policy, 0));
    }

    [Fact]
    public void A_noisy_timing_is_measured_again_until_it_has_enough_samples_then_its_median_stands()
    {
        var policy = new TrustPolicy(MaxSpread: 0.25, NoisyRepeats: 3);
        var stat = new TimingStat();
        stat.Add(1, 2, 4, 0);
        Assert.False(stat.IsTrusted(policy, 0));
        stat.Add(1, 3, 4, 0);
        Assert.False(stat.IsTrusted(policy, 0));
        stat.Add(1, 1.5, 4, 0);
        Assert.True(stat.IsTrusted(policy, 0));
        Assert.Equal(2, stat.Estimate);
    }

    [Fact]
    public void A_file_that_is_not_a_table_is_refused_with_its_name()
    {
        var e = Assert.Throws<MeasurementTableFormatException>(() => MeasurementTable.Parse("{\"format\": \"other\"}", "t.json"));
        Assert.StartsWith("t.json: not a measurement table", e.Message, StringComparison.Ordinal);
    }

    private static TimingStat Stat(double ms)
    {
        var stat = new TimingStat();
        stat.Add(ms, ms, ms, 0);
        return stat;
    }
}
