using Dsx.Model;
using Dsx.Wire;

namespace Dsx.Model.Tests;

public sealed class NetworkBuilderTests
{
    [Theory]
    // H, k, s, pad, dilation -> out
    [InlineData(224, 3, 2, 1, 1, 112)]
    [InlineData(224, 7, 2, 3, 1, 112)]
    [InlineData(112, 3, 2, 1, 1, 56)]
    [InlineData(7, 1, 1, 0, 1, 7)]
    [InlineData(32, 3, 1, 2, 2, 32)]
    [InlineData(10, 3, 3, 0, 1, 3)]
    public void Window_output_follows_the_floor_formula(long input, int kernel, int stride, int padding, int dilation, long expected)
    {
        var window = Window2d.Square(kernel, stride, padding, dilation);

        Assert.Equal(expected, window.OutputHeight(input));
        Assert.Equal(expected, window.OutputWidth(input));
    }

    [Fact]
    public void Asymmetric_pads_and_kernels_are_tracked_per_axis()
    {
        var b = new NetworkBuilder("g");
        var x = b.Input("x", 1, 4, 9, 10);

        // H: (9 + 0 + 1 - 2 - 1)/2 + 1 = 4; W: (10 + 2 + 0 - 0 - 1)/1 + 1 = 12.
        var y = b.Conv(x, "c", 8, new Window2d(KernelH: 3, KernelW: 1, StrideH: 2, StrideW: 1, PadTop: 0, PadLeft: 2, PadBottom: 1, PadRight: 0));

        Assert.Equal(new long[] { 1, 8, 4, 12 }, b.ShapeOf(y));
        b.Output(y);
        var node = b.Build().Nodes.Single();
        Assert.Equal(new[] { 3, 1 }, node.Kernel);
        Assert.Equal(new[] { 0, 2, 1, 0 }, node.Pads);
        Assert.Equal(new[] { 1, 1 }, node.Dilations);
        Assert.Equal(1, node.Group);
    }

    [Fact]
    public void Every_op_records_its_shape()
    {
        var b = new NetworkBuilder("g");
        var x = b.Input("x", 2, 8, 16, 16);
        var dw = b.Conv(x, "dw", 8, kernel: 3, padding: 1, groups: 8, activation: Activation.Relu6);
        var avg = b.AveragePool(dw, "avg", Window2d.Square(2, stride: 2));
        var clip = b.Clip(avg, "clip", -1f, 1f);
        var bias = b.Input("bias", 1, 8, 1, 1);
        var sum = b.Add(clip, bias, "sum");
        var gap = b.GlobalAveragePool(sum, "gap");
        var flat = b.Flatten(gap, "flat");
        var fc = b.FullyConnected(flat, "fc", 5, Activation.Relu);
        b.Output(fc);
        var graph = b.Build();

        Assert.Equal(new long[] { 2, 8, 16, 16 }, b.ShapeOf(dw));
        Assert.Equal(new long[] { 8, 1, 3, 3 }, Dims(graph, "dw.weight"));
        Assert.Equal(new long[] { 2, 8, 8, 8 }, b.ShapeOf(avg));
        Assert.Equal(new long[] { 2, 8, 8, 8 }, b.ShapeOf(sum));
        Assert.Equal(new long[] { 2, 8, 1, 1 }, b.ShapeOf(gap));
        Assert.Equal(new long[] { 2, 8 }, b.ShapeOf(flat));
        Assert.Equal(new long[] { 2, 5 }, b.ShapeOf(fc));
        Assert.Equal(new long[] { 5, 8 }, Dims(graph, "fc.weight"));
    }

    [Fact]
    public void Mistakes_are_reported_with_the_node_name()
    {
        var b = new NetworkBuilder("g");
        var x = b.Input("x", 1, 6, 4, 4);

        Assert.Contains("'bad_groups'", Assert.Throws<ArgumentException>(() => b.Conv(x, "bad_groups", 8, kernel: 1, groups: 4)).Message, StringComparison.Ordinal);
        Assert.Contains("'too_big'", Assert.Throws<ArgumentException>(() => b.Conv(x, "too_big", 8, kernel: 7)).Message, StringComparison.Ordinal);
        Assert.Contains("'missing'", Assert.Throws<ArgumentException>(() => b.Relu("missing", "r")).Message, StringComparison.Ordinal);
        Assert.Contains("'x'", Assert.Throws<ArgumentException>(() => b.Relu(x, "x")).Message, StringComparison.Ordinal);
        var other = b.Input("y", 1, 5, 4, 4);
        Assert.Contains("do not broadcast", Assert.Throws<ArgumentException>(() => b.Add(x, other, "sum")).Message, StringComparison.Ordinal);
        Assert.Throws<InvalidOperationException>(b.Build);
    }

    private static long[] Dims(Graph graph, string initializer) => [.. graph.Initializers.Single(t => t.Name == initializer).Dims];
}
