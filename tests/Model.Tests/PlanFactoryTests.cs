using Dsx.Model;
using Dsx.Wire;

namespace Dsx.Model.Tests;

public sealed class PlanFactoryTests
{
    [Fact]
    public void Baseline_puts_every_conv_on_im2col_blas_and_the_fc_on_blas()
    {
        var graph = ModelZoo.Build("mobilenet_v2");

        var plan = PlanFactory.Baseline(graph);

        Assert.Equal(53, plan.Layers.Count);
        Assert.Equal(1, plan.DefaultThreads);
        Assert.All(graph.Nodes.Where(n => n.Op == OpType.Conv), n =>
            Assert.Equal(new Choice { Primitive = "im2col_blas", Layout = Layout.Nchw, Precision = Precision.Fp32 }, plan.Layers[n.Name]));
        Assert.Equal(new Choice { Primitive = "blas", Layout = Layout.Nchw, Precision = Precision.Fp32 }, plan.Layers["fc"]);
        Assert.Null(plan.Fallback);
    }

    [Theory]
    [InlineData("ref", "ref", Layout.Nchw, "ref", Layout.Nchw)]
    [InlineData("im2col_blas", "im2col_blas", Layout.Nchw, "blas", Layout.Nchw)]
    [InlineData("blas", "im2col_blas", Layout.Nchw, "blas", Layout.Nchw)]
    [InlineData("gemm_neon", "gemm_neon", Layout.Nchw, "gemm_neon", Layout.Nchw)]
    [InlineData("xnnpack", "xnnpack", Layout.Nhwc, "xnnpack", Layout.Nhwc)]
    [InlineData("onednn", "onednn", Layout.Nhwc, "onednn", Layout.Nchw)]
    public void Single_library_maps_convs_and_fc_to_that_library(string primitive, string conv, Layout convLayout, string fc, Layout fcLayout)
    {
        var graph = ModelZoo.Build("tiny_cnn");

        var plan = PlanFactory.SingleLibrary(graph, primitive, threads: 2);

        Assert.Equal(5, plan.Layers.Count);
        Assert.Equal(2, plan.DefaultThreads);
        Assert.All(new[] { "conv1", "dw2", "pw3", "conv4" }, n => Assert.Equal((conv, convLayout), (plan.Layers[n].Primitive, plan.Layers[n].Layout)));
        Assert.Equal((fc, fcLayout), (plan.Layers["fc"].Primitive, plan.Layers["fc"].Layout));
        Assert.DoesNotContain("add", plan.Layers.Keys);
    }

    [Fact]
    public void A_layout_override_applies_to_convs()
    {
        var plan = PlanFactory.SingleLibrary(ModelZoo.Build("tiny_cnn"), "gemm_neon", Layout.Nhwc);

        Assert.Equal(Layout.Nhwc, plan.Layers["conv1"].Layout);
    }

    [Fact]
    public void Unknown_primitive_lists_the_known_ones()
    {
        var error = Assert.Throws<ArgumentException>(() => PlanFactory.SingleLibrary(ModelZoo.Build("tiny_cnn"), "cudnn"));

        Assert.Contains("cudnn", error.Message, StringComparison.Ordinal);
        Assert.Contains("xnnpack", error.Message, StringComparison.Ordinal);
    }
}
