using Dsx.Model.Onnx.Proto;
using Dsx.Wire;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Dsx.Model.Tests;

public sealed class OnnxRoundTripTests
{
    private const double Tolerance = 1e-4;

    [Theory]
    [InlineData("tiny_cnn")]
    [InlineData("mobilenet_v2")]
    [InlineData("resnet18")]
    public void Zoo_model_exports_runs_in_onnx_runtime_and_imports_back_unchanged(string name)
    {
        var graph = ModelZoo.Build(name);
        var path = Save(OnnxExporter.Export(graph), name);
        try
        {
            Assert.Equal(graph, OnnxImporter.Import(path));
            if (name == "tiny_cnn" || Environment.GetEnvironmentVariable("DSX_SLOW_TESTS") == "1")
            {
                // The naive reference takes minutes on the 224x224 models, so those run on request only.
                AssertSameOutputs(path, graph);
            }
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Zoo_model_runs_in_onnx_runtime()
    {
        // ORT runs the full-size export quickly: at least prove it loads and produces finite logits.
        var graph = ModelZoo.Build("mobilenet_v2");
        var path = Save(OnnxExporter.Export(graph), "mobilenet_v2");
        try
        {
            var output = RunOrt(path, graph.Inputs.Single(), RandomInput(graph.Inputs.Single()));
            Assert.Equal(1000, output.Length);
            Assert.All(output, v => Assert.True(float.IsFinite(v)));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Hand_built_model_with_bn_dropout_identity_clip_gemm_reducemean_and_shape_subgraph_matches_onnx_runtime()
    {
        var model = HandBuilt();
        var path = Save(model, "hand_built");
        try
        {
            var graph = OnnxImporter.Import(path);

            // BN folded, Relu/Clip fused, Identity/Dropout gone, the shape sub-graph folded into one Reshape.
            Assert.Equal(
                [OpType.Conv, OpType.Conv, OpType.HardSigmoid, OpType.Mul, OpType.MaxPool, OpType.AveragePool, OpType.GlobalAveragePool, OpType.Reshape, OpType.FullyConnected, OpType.Softmax],
                graph.Nodes.Select(n => n.Op));
            Assert.Equal(FusedActivation.FusedRelu, graph.Nodes[0].Activation);
            Assert.Equal((FusedActivation.FusedClip, -0.5f, 0.75f), (graph.Nodes[1].Activation, graph.Nodes[1].ActMin, graph.Nodes[1].ActMax));
            Assert.Equal(new long[] { 1, 8 }, graph.Nodes[7].Shape);
            Assert.Equal(new long[] { 1, 5 }, graph.Outputs.Single().Shape);
            Assert.All(graph.Nodes, n => Assert.False(string.IsNullOrEmpty(n.Name)));
            Assert.Equal(graph.Nodes.Count, graph.Nodes.Select(n => n.Name).Distinct().Count());
            AssertSameOutputs(path, graph);
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>
    /// 1x3x12x12 -> Conv(no bias) -> BatchNormalization -> Relu -> Identity -> Conv -> Clip(min, max as inputs) -> Dropout
    /// -> x * HardSigmoid(x) -> MaxPool(SAME_UPPER) -> AveragePool -> ReduceMean([2,3], keepdims) -> Reshape(Concat(Unsqueeze(Gather(Shape))), [-1])
    /// -> Gemm(transB=0, alpha, beta) -> Softmax.
    /// </summary>
    private static ModelProto HandBuilt()
    {
        var m = new OnnxTestModel("hand_built").Input("input", 1L, 3L, 12L, 12L).Output("probs");
        m.Node("Conv", ["input", m.Floats("w1", [8, 3, 3, 3])], "c1", OnnxTestModel.Ints("pads", 1, 1, 1, 1), OnnxTestModel.Ints("kernel_shape", 3, 3));
        m.Node("BatchNormalization", ["c1", m.Floats("bn_scale", [8], 0.5f, 1.5f), m.Floats("bn_bias", [8]), m.Floats("bn_mean", [8]), m.Floats("bn_var", [8], 0.5f, 2f)], "bn1",
            OnnxTestModel.Float("epsilon", 1e-3f));
        m.Node("Relu", ["bn1"], "r1");
        m.Node("Identity", ["r1"], "id1");
        m.Node("Conv", ["id1", m.Floats("w2", [8, 8, 3, 3]), m.Floats("b2", [8])], "c2", OnnxTestModel.Ints("strides", 1, 1), OnnxTestModel.Ints("pads", 1, 1, 1, 1));
        m.Node("Clip", ["c2", m.Scalar("clip_min", -0.5f), m.Scalar("clip_max", 0.75f)], "clip2");
        m.Node("Dropout", ["clip2", m.Scalar("ratio", 0.3f)], "drop");
        m.Node("HardSigmoid", ["drop"], "hsig", OnnxTestModel.Float("alpha", 0.25f), OnnxTestModel.Float("beta", 0.4f));
        m.Node("Mul", ["drop", "hsig"], "gated");
        m.Node("MaxPool", ["gated"], "mp", new AttributeProto { Name = "auto_pad", Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8("SAME_UPPER") },
            OnnxTestModel.Ints("kernel_shape", 3, 3), OnnxTestModel.Ints("strides", 2, 2));
        m.Node("AveragePool", ["mp"], "ap", OnnxTestModel.Ints("kernel_shape", 3, 3), OnnxTestModel.Ints("pads", 1, 1, 1, 1), OnnxTestModel.Int("count_include_pad", 0));
        m.Node("ReduceMean", ["ap"], "rm", OnnxTestModel.Ints("axes", 2, 3), OnnxTestModel.Int("keepdims", 1));
        m.Node("Shape", ["rm"], "shape");
        m.Node("Gather", ["shape", m.Int64s("zero", 0)], "batch_1", OnnxTestModel.Int("axis", 0));
        m.Node("Squeeze", ["batch_1", m.Int64s("axes0", 0)], "batch");
        m.Node("Unsqueeze", ["batch", "axes0"], "batch_vec");
        m.Node("Concat", ["batch_vec", m.Int64s("minus_one", -1)], "target", OnnxTestModel.Int("axis", 0));
        m.Node("Reshape", ["rm", "target"], "flat");
        m.Node("Gemm", ["flat", m.Floats("fc_w", [8, 5]), m.Floats("fc_b", [1, 5])], "logits",
            OnnxTestModel.Float("alpha", 0.5f), OnnxTestModel.Float("beta", 2f), OnnxTestModel.Int("transB", 0));
        m.Node("Softmax", ["logits"], "probs", OnnxTestModel.Int("axis", -1));
        return m.Build();
    }

    private static void AssertSameOutputs(string path, Graph graph)
    {
        var input = graph.Inputs.Single();
        var data = RandomInput(input);
        var expected = RunOrt(path, input, data);
        var actual = WireGraphEvaluator.Run(graph, new Dictionary<string, float[]> { [input.Name] = data })[graph.Outputs.Single().Name].Data;
        Assert.Equal(expected.Length, actual.Length);
        double diff = 0, norm = 0;
        for (var i = 0; i < expected.Length; i++)
        {
            diff += Math.Pow(expected[i] - actual[i], 2);
            norm += Math.Pow(expected[i], 2);
        }

        var relative = Math.Sqrt(diff / Math.Max(norm, 1e-30));
        Assert.True(relative < Tolerance, $"relative L2 error {relative:E2} >= {Tolerance:E0}");
    }

    private static float[] RandomInput(ValueInfo input)
    {
        var random = new Random(1234);
        return [.. Enumerable.Range(0, (int)input.Shape.Aggregate(1L, (a, d) => a * d)).Select(_ => (float)((random.NextDouble() * 2) - 1))];
    }

    private static float[] RunOrt(string path, ValueInfo input, float[] data)
    {
        using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
        using var session = new InferenceSession(path, options);
        var tensor = new DenseTensor<float>(data, [.. input.Shape.Select(d => (int)d)]);
        using var results = session.Run([NamedOnnxValue.CreateFromTensor(input.Name, tensor)]);
        return [.. results[0].AsEnumerable<float>()];
    }

    private static string Save(ModelProto model, string name)
    {
        var path = Path.Combine(Path.GetTempPath(), $"dsx-{name}-{Guid.NewGuid():N}.onnx");
        File.WriteAllBytes(path, model.ToByteArray());
        return path;
    }
}
