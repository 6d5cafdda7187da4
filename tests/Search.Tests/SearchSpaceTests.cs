using Dsx.Wire;

namespace Dsx.Search.Tests;

public sealed class SearchSpaceTests
{
    private static readonly LayerChoice Fp32 = new("xnnpack", Layout.Nhwc, Precision.Fp32, 1);
    private static readonly LayerChoice Int8 = new("xnnpack", Layout.Nhwc, Precision.Int8, 1);

    private static SearchSpace Chain(params LayerChoice[][] choices) => new("chain", [.. choices.Select((c, i) => new SearchLayer(
        i, $"l{i}", OpType.Conv, 1e6, [1, 8, 4, 4], [i == 0 ? SearchLayer.GraphInput : i - 1], [128], i == choices.Length - 1, c))]);

    [Fact]
    public void Without_int8_keeps_the_fp32_choices_and_plans_translate_back()
    {
        var full = Chain([Int8, Fp32], [Fp32, Int8]);

        var fp32 = full.WithoutInt8();

        Assert.All(fp32.Layers, l => Assert.Equal([Fp32], l.Choices));
        Assert.Equal(new CandidatePlan([1, 0]), fp32.Translate(new CandidatePlan([0, 0]), full));
        Assert.False(full.UsesInt8(new CandidatePlan([1, 0])));
        Assert.True(full.UsesInt8(new CandidatePlan([1, 1])));
    }

    [Fact]
    public void A_layer_with_only_int8_choices_cannot_lose_them()
    {
        var e = Assert.Throws<InvalidOperationException>(() => Chain([Fp32], [Int8]).WithoutInt8());

        Assert.Equal("layer 'l1' admits only INT8 choices, so INT8 cannot be disallowed", e.Message);
    }

    [Fact]
    public void A_choice_missing_from_the_target_space_is_named()
    {
        var full = Chain([Int8, Fp32]);

        var e = Assert.Throws<ArgumentException>(() => full.Translate(new CandidatePlan([0]), full.WithoutInt8()));

        Assert.StartsWith("layer 'l0': choice xnnpack/NHWC/INT8/t1 is not in the target space", e.Message, StringComparison.Ordinal);
    }
}
