using Dsx.Wire;

namespace Dsx.Model.Tests;

public sealed class OnnxImporterTests
{
    [Fact]
    public void Clip_with_attribute_bounds_fuses_into_the_conv()
    {
        var m = new OnnxTestModel("clip_attr", opset: 11).Input("input", 1L, 3L, 4L, 4L).Output("y");
        m.Node("Conv", ["input", m.Floats("w", [2, 3, 1, 1])], "c");
        m.Node("Clip", ["c"], "y", OnnxTestModel.Float("min", 0f), OnnxTestModel.Float("max", 6f));
        var node = OnnxImporter.Import(m.Build(), "clip.onnx").Nodes.Single();
        Assert.Equal((FusedActivation.FusedClip, 0f, 6f, "y"), (node.Activation, node.ActMin, node.ActMax, node.Output));
        Assert.Equal("Conv_0", node.Name);
    }

    [Fact]
    public void Relu_is_not_fused_when_the_conv_output_has_another_reader()
    {
        var m = new OnnxTestModel("two_readers").Input("input", 1L, 3L, 4L, 4L).Output("y");
        m.Node("Conv", ["input", m.Floats("w", [3, 3, 1, 1])], "c");
        m.Node("Relu", ["c"], "r");
        m.Node("Add", ["c", "r"], "y");
        var graph = OnnxImporter.Import(m.Build(), "two.onnx");
        Assert.Equal([OpType.Conv, OpType.Relu, OpType.Add], graph.Nodes.Select(n => n.Op));
        Assert.Equal(FusedActivation.FusedNone, graph.Nodes[0].Activation);
    }

    [Fact]
    public void Opset_11_softmax_is_accepted_only_when_it_equals_a_last_axis_softmax()
    {
        OnnxTestModel Model(params object[] dims)
        {
            var m = new OnnxTestModel("softmax", opset: 11).Input("input", dims).Output("y");
            m.Node("Softmax", ["input"], "y");
            return m;
        }

        Assert.Equal(1, OnnxImporter.Import(Model(2L, 10L).Build(), "s.onnx").Nodes.Single().Axis);
        Assert.Equal(3, OnnxImporter.Import(Model(2L, 1L, 1L, 10L).Build(), "s.onnx").Nodes.Single().Axis);
        var ex = Assert.Throws<OnnxImportException>(() => OnnxImporter.Import(Model(2L, 3L, 10L).Build(), "s.onnx"));
        Assert.Contains("normalizes across several axes", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Gemm_with_transA_is_refused_with_the_node_named()
    {
        var m = new OnnxTestModel("gemm").Input("input", 4L, 2L).Output("y");
        m.Node("Gemm", ["input", m.Floats("b", [4, 3])], "y", OnnxTestModel.Int("transA", 1)).Name = "fc";
        var ex = Assert.Throws<OnnxImportException>(() => OnnxImporter.Import(m.Build(), "g.onnx"));
        Assert.Equal("'fc' (Gemm, #0)", ex.Node);
        Assert.Contains("transA=1 is not supported", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReduceMean_without_keepdims_becomes_gap_and_flatten_and_matmul_becomes_fully_connected()
    {
        var m = new OnnxTestModel("head").Input("input", 1L, 4L, 3L, 3L).Output("y");
        m.Node("ReduceMean", ["input"], "pooled", OnnxTestModel.Ints("axes", -2, -1), OnnxTestModel.Int("keepdims", 0));
        m.Node("MatMul", ["pooled", m.Floats("w", [4, 6])], "y");
        var graph = OnnxImporter.Import(m.Build(), "head.onnx");
        Assert.Equal([OpType.GlobalAveragePool, OpType.Flatten, OpType.FullyConnected], graph.Nodes.Select(n => n.Op));
        Assert.Equal(new long[] { 6, 4 }, graph.Initializers.Single().Dims);
        Assert.Equal(new long[] { 1, 6 }, graph.Outputs.Single().Shape);
    }

    [Fact]
    public void HardSwish_graphs_export_at_opset_14_and_import_back()
    {
        var b = new NetworkBuilder("hswish");
        var x = b.Input("input", 1, 2, 4, 4);
        x = b.Conv(x, "conv", 2, kernel: 1);
        b.Output(x);
        var graph = b.Build();
        graph.Nodes.Add(new Node { Name = "hs", Op = OpType.HardSwish, Inputs = { "conv" }, Output = "hs" });
        graph.Outputs[0].Name = "hs";
        var model = OnnxExporter.Export(graph);
        Assert.Equal(14, model.OpsetImport.Single().Version);
        Assert.Equal(graph, OnnxImporter.Import(model, "hswish.onnx"));
    }
}
