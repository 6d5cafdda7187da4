using Dsx.Model;
using Dsx.Wire;
using Google.Protobuf;

namespace Dsx.Model.Tests;

public sealed class ModelZooTests
{
    [Theory]
    [InlineData("mobilenet_v2", new long[] { 1, 3, 224, 224 }, new long[] { 1, 1000 }, 52)]
    [InlineData("resnet18", new long[] { 1, 3, 224, 224 }, new long[] { 1, 1000 }, 20)]
    [InlineData("tiny_cnn", new long[] { 1, 3, 32, 32 }, new long[] { 1, 10 }, 4)]
    public void Zoo_models_have_the_published_input_output_and_conv_count(string name, long[] input, long[] output, int convs)
    {
        var graph = ModelZoo.Build(name);

        Assert.Equal(name, graph.Name);
        Assert.Equal(input, graph.Inputs.Single().Shape);
        Assert.Equal(output, graph.Outputs.Single().Shape);
        Assert.Equal(convs, graph.Nodes.Count(n => n.Op == OpType.Conv));
        Assert.Single(graph.Nodes, n => n.Op == OpType.FullyConnected);
    }

    [Fact]
    public void Mobilenet_v2_follows_the_paper()
    {
        var graph = ModelZoo.Build("mobilenet_v2");
        var convs = graph.Nodes.Where(n => n.Op == OpType.Conv).ToList();

        // 17 depthwise 3x3 convs, 10 residual adds (blocks where stride 1 and channels match).
        Assert.Equal(17, convs.Count(c => c.Group > 1 && c.Group == WeightDims(graph, c)[0]));
        Assert.Equal(10, graph.Nodes.Count(n => n.Op == OpType.Add));
        Assert.All(convs.Where(c => !c.Name.EndsWith("_project", StringComparison.Ordinal)), c =>
        {
            Assert.Equal(FusedActivation.FusedClip, c.Activation);
            Assert.Equal((0f, 6f), (c.ActMin, c.ActMax));
        });
        Assert.All(convs.Where(c => c.Name.EndsWith("_project", StringComparison.Ordinal)), c => Assert.Equal(FusedActivation.FusedNone, c.Activation));
        Assert.Equal(new long[] { 1280, 320, 1, 1 }, WeightDims(graph, convs.Single(c => c.Name == "conv_last")));
        Assert.Equal(new long[] { 1000, 1280 }, WeightDims(graph, graph.Nodes.Single(n => n.Name == "fc")));
        // ~3.5M parameters, as published.
        Assert.InRange(ParameterCount(graph), 3_400_000, 3_600_000);
    }

    [Fact]
    public void Resnet18_follows_the_paper()
    {
        var graph = ModelZoo.Build("resnet18");

        var conv1 = graph.Nodes.Single(n => n.Name == "conv1");
        Assert.Equal(new[] { 7, 7 }, conv1.Kernel);
        Assert.Equal(new[] { 2, 2 }, conv1.Strides);
        var pool = graph.Nodes.Single(n => n.Op == OpType.MaxPool);
        Assert.Equal(new[] { 3, 3 }, pool.Kernel);
        Assert.Equal(new[] { 1, 1, 1, 1 }, pool.Pads);
        var downsamples = graph.Nodes.Where(n => n.Name.EndsWith("_downsample", StringComparison.Ordinal)).ToList();
        Assert.Equal(3, downsamples.Count);
        Assert.All(downsamples, d =>
        {
            Assert.Equal(new[] { 1, 1 }, d.Kernel);
            Assert.Equal(new[] { 2, 2 }, d.Strides);
        });
        // Every block: ADD then a RELU node reading it.
        var adds = graph.Nodes.Where(n => n.Op == OpType.Add).ToList();
        Assert.Equal(8, adds.Count);
        Assert.All(adds, a => Assert.Single(graph.Nodes, n => n.Op == OpType.Relu && n.Inputs.Single() == a.Output));
        // ~11.7M parameters, as published.
        Assert.InRange(ParameterCount(graph), 11_600_000, 11_800_000);
    }

    [Fact]
    public void Every_node_reads_only_values_defined_before_it()
    {
        foreach (var name in ModelZoo.Names)
        {
            var graph = ModelZoo.Build(name);
            var defined = graph.Inputs.Select(i => i.Name).ToHashSet();
            foreach (var node in graph.Nodes)
            {
                Assert.All(node.Inputs, input => Assert.Contains(input, defined));
                Assert.True(defined.Add(node.Output), $"{name}: '{node.Output}' defined twice");
            }

            var initializers = graph.Initializers.Select(t => t.Name).ToHashSet();
            Assert.All(graph.Nodes.Where(n => n.Weight.Length > 0), n => Assert.Contains(n.Weight, initializers));
            Assert.All(graph.Initializers, t => Assert.Equal(t.Dims.Aggregate(1L, (a, d) => a * d) * sizeof(float), t.FloatData.Length));
        }
    }

    [Fact]
    public void Same_seed_gives_identical_bytes_and_another_seed_other_weights()
    {
        var first = ModelZoo.Build("tiny_cnn", seed: 7);
        var again = ModelZoo.Build("tiny_cnn", seed: 7);
        var other = ModelZoo.Build("tiny_cnn", seed: 8);

        Assert.Equal(first, again);
        Assert.Equal(first.ToByteArray(), again.ToByteArray());
        Assert.NotEqual(first.Initializers[0].FloatData, other.Initializers[0].FloatData);
        Assert.Equal(first.Nodes, other.Nodes);
    }

    [Fact]
    public void Weights_stay_within_the_he_uniform_bound()
    {
        var graph = ModelZoo.Build("tiny_cnn");
        var conv1 = graph.Initializers.Single(t => t.Name == "conv1.weight");
        var values = conv1.FloatData.ToByteArray().Chunk(4).Select(b => BitConverter.ToSingle(b)).ToArray();

        var bound = Math.Sqrt(6.0 / (3 * 3 * 3));
        Assert.All(values, v => Assert.InRange(Math.Abs(v), 0, bound));
        Assert.True(values.Max() - values.Min() > bound, "weights should span most of the range");
    }

    [Fact]
    public void Unknown_model_names_the_known_ones()
    {
        var error = Assert.Throws<ArgumentException>(() => ModelZoo.Build("vgg99"));

        Assert.Contains("vgg99", error.Message, StringComparison.Ordinal);
        Assert.All(ModelZoo.Names, n => Assert.Contains(n, error.Message, StringComparison.Ordinal));
    }

    private static long[] WeightDims(Graph graph, Node node) => [.. graph.Initializers.Single(t => t.Name == node.Weight).Dims];

    private static long ParameterCount(Graph graph) => graph.Initializers.Sum(t => t.Dims.Aggregate(1L, (a, d) => a * d));
}
