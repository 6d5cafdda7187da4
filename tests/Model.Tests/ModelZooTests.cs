using System.Collections.Concurrent;
using Dsx.Model;
using Dsx.Wire;
using Google.Protobuf;

namespace Dsx.Model.Tests;

public sealed class ModelZooTests
{
    // Each zoo model (seed 42) is built once per test run and shared: vgg16 alone holds 553 MB of weights.
    private static readonly ConcurrentDictionary<string, Lazy<Graph>> Zoo = new(StringComparer.Ordinal);

    [Theory]
    [InlineData("googlenet", new long[] { 1, 3, 224, 224 }, new long[] { 1, 1000 }, 57, 1)]
    [InlineData("mobilenet_v1", new long[] { 1, 3, 224, 224 }, new long[] { 1, 1000 }, 27, 1)]
    [InlineData("mobilenet_v2", new long[] { 1, 3, 224, 224 }, new long[] { 1, 1000 }, 52, 1)]
    [InlineData("resnet18", new long[] { 1, 3, 224, 224 }, new long[] { 1, 1000 }, 20, 1)]
    [InlineData("resnet50", new long[] { 1, 3, 224, 224 }, new long[] { 1, 1000 }, 53, 1)]
    [InlineData("squeezenet1_1", new long[] { 1, 3, 224, 224 }, new long[] { 1, 1000 }, 26, 0)]
    [InlineData("tiny_cnn", new long[] { 1, 3, 32, 32 }, new long[] { 1, 10 }, 4, 1)]
    [InlineData("vgg16", new long[] { 1, 3, 224, 224 }, new long[] { 1, 1000 }, 13, 3)]
    public void Zoo_models_have_the_published_input_output_and_conv_count(string name, long[] input, long[] output, int convs, int fullyConnected)
    {
        var graph = Cached(name);

        Assert.Equal(name, graph.Name);
        Assert.Equal(input, graph.Inputs.Single().Shape);
        Assert.Equal(output, graph.Outputs.Single().Shape);
        Assert.Equal(convs, graph.Nodes.Count(n => n.Op == OpType.Conv));
        Assert.Equal(fullyConnected, graph.Nodes.Count(n => n.Op == OpType.FullyConnected));
    }

    [Fact]
    public void Names_are_in_alphabetical_order_and_cover_the_zoo()
    {
        Assert.Equal(
            ["googlenet", "mobilenet_v1", "mobilenet_v2", "resnet18", "resnet50", "squeezenet1_1", "tiny_cnn", "vgg16"],
            ModelZoo.Names);
    }

    // torchvision's published parameter counts (mobilenet_v1: the paper's 4.2M); BN is folded, so ours may differ by its
    // per-channel shift/scale minus the conv biases, well under 2%.
    [Theory]
    [InlineData("googlenet", 6_624_904)]
    [InlineData("mobilenet_v1", 4_231_976)]
    [InlineData("resnet50", 25_557_032)]
    [InlineData("squeezenet1_1", 1_235_496)]
    [InlineData("vgg16", 138_357_544)]
    public void Zoo_models_have_the_published_parameter_count(string name, long expected)
    {
        var parameters = ParameterCount(Cached(name));

        Assert.InRange(parameters, (long)(expected * 0.98), (long)(expected * 1.02));
    }

    [Fact]
    public void Every_node_has_a_positive_output_shape_that_ends_in_the_declared_output()
    {
        foreach (var name in ModelZoo.Names)
        {
            var graph = Cached(name);
            var shapes = InferShapes(graph);

            Assert.All(graph.Nodes, n => Assert.True(shapes[n.Output].All(d => d > 0), $"{name}: '{n.Output}' has shape [{string.Join(", ", shapes[n.Output])}]"));
            Assert.Equal(graph.Outputs.Single().Shape, shapes[graph.Outputs.Single().Name]);
        }
    }

    [Theory]
    [InlineData("googlenet", new long[] { 112, 56, 56, 28, 28, 14, 14, 7, 7 }, new[] { "conv1", "maxpool1", "conv3", "maxpool2", "inception3b_concat", "maxpool3", "inception4e_concat", "maxpool4", "inception5b_concat" })]
    [InlineData("squeezenet1_1", new long[] { 111, 55, 27, 13, 13 }, new[] { "conv1", "pool1", "pool3", "pool5", "conv10" })]
    [InlineData("resnet50", new long[] { 112, 56, 56, 28, 14, 7 }, new[] { "conv1", "maxpool", "layer1_2_relu", "layer2_3_relu", "layer3_5_relu", "layer4_2_relu" })]
    [InlineData("vgg16", new long[] { 112, 56, 28, 14, 7 }, new[] { "pool1", "pool2", "pool3", "pool4", "pool5" })]
    [InlineData("mobilenet_v1", new long[] { 112, 112, 56, 28, 14, 7 }, new[] { "conv1", "block0_pw", "block1_pw", "block3_pw", "block5_pw", "block12_pw" })]
    public void Feature_maps_have_torchvisions_spatial_sizes(string name, long[] sizes, string[] nodes)
    {
        var shapes = InferShapes(Cached(name));

        Assert.Equal(sizes, nodes.Select(n => shapes[n][2]));
        Assert.Equal(sizes, nodes.Select(n => shapes[n][3]));
    }

    [Theory]
    [InlineData("googlenet", "inception3a_concat", 256)]
    [InlineData("googlenet", "inception4a_concat", 512)]
    [InlineData("googlenet", "inception4e_concat", 832)]
    [InlineData("googlenet", "inception5b_concat", 1024)]
    [InlineData("squeezenet1_1", "fire2_concat", 128)]
    [InlineData("squeezenet1_1", "fire9_concat", 512)]
    [InlineData("resnet50", "layer4_2_relu", 2048)]
    [InlineData("mobilenet_v1", "block12_pw", 1024)]
    public void Concatenations_and_stages_have_the_published_channels(string name, string node, long channels)
    {
        Assert.Equal(channels, InferShapes(Cached(name))[node][1]);
    }

    [Fact]
    public void Googlenet_pools_emulate_ceil_mode_with_bottom_right_padding()
    {
        var graph = Cached("googlenet");
        var pools = graph.Nodes.Where(n => n.Op == OpType.MaxPool && !n.Name.Contains("branch4", StringComparison.Ordinal)).ToDictionary(n => n.Name);

        Assert.Equal(new[] { 0, 0, 1, 1 }, pools["maxpool1"].Pads);
        Assert.Equal(new[] { 0, 0, 1, 1 }, pools["maxpool2"].Pads);
        Assert.Equal(new[] { 0, 0, 1, 1 }, pools["maxpool3"].Pads);
        Assert.Equal(new[] { 0, 0, 0, 0 }, pools["maxpool4"].Pads);
        Assert.Equal(new[] { 2, 2 }, pools["maxpool4"].Kernel);
        Assert.All(graph.Nodes.Where(n => n.Name.EndsWith("_branch4_pool", StringComparison.Ordinal)), p =>
        {
            Assert.Equal(new[] { 3, 3 }, p.Kernel);
            Assert.Equal(new[] { 1, 1 }, p.Strides);
            Assert.Equal(new[] { 1, 1, 1, 1 }, p.Pads);
        });
        Assert.Equal(9, graph.Nodes.Count(n => n.Op == OpType.Concat));
    }

    [Fact]
    public void Resnet50_uses_bottlenecks_with_the_stride_on_the_3x3()
    {
        var graph = Cached("resnet50");
        var nodes = graph.Nodes.ToDictionary(n => n.Name);

        Assert.Equal(16, graph.Nodes.Count(n => n.Op == OpType.Add));
        Assert.Equal(4, graph.Nodes.Count(n => n.Name.EndsWith("_downsample", StringComparison.Ordinal)));
        Assert.Equal(new[] { 1, 1 }, nodes["layer1_0_downsample"].Strides);
        foreach (var layer in new[] { "layer2_0", "layer3_0", "layer4_0" })
        {
            Assert.Equal(new[] { 1, 1 }, nodes[$"{layer}_conv1"].Strides);
            Assert.Equal(new[] { 2, 2 }, nodes[$"{layer}_conv2"].Strides);
            Assert.Equal(new[] { 2, 2 }, nodes[$"{layer}_downsample"].Strides);
        }

        Assert.All(graph.Nodes.Where(n => n.Op == OpType.Add), a => Assert.Single(graph.Nodes, n => n.Op == OpType.Relu && n.Inputs.Single() == a.Output));
        Assert.All(graph.Nodes.Where(n => n.Name.EndsWith("_conv3", StringComparison.Ordinal)), c => Assert.Equal(FusedActivation.FusedNone, c.Activation));
    }

    [Fact]
    public void Mobilenet_v1_alternates_depthwise_and_pointwise_convs_with_relu()
    {
        var graph = Cached("mobilenet_v1");
        var convs = graph.Nodes.Where(n => n.Op == OpType.Conv).ToList();

        Assert.Equal(13, convs.Count(c => c.Group > 1 && c.Group == WeightDims(graph, c)[0]));
        Assert.All(convs, c => Assert.Equal(FusedActivation.FusedRelu, c.Activation));
        Assert.Equal(new long[] { 1000, 1024 }, WeightDims(graph, graph.Nodes.Single(n => n.Name == "fc")));
    }

    [Fact]
    public void Vgg16_has_three_relu_fully_connected_layers_without_a_final_activation()
    {
        var graph = Cached("vgg16");
        var fcs = graph.Nodes.Where(n => n.Op == OpType.FullyConnected).ToList();

        Assert.Equal(new long[] { 4096, 25088 }, WeightDims(graph, fcs[0]));
        Assert.Equal(new long[] { 4096, 4096 }, WeightDims(graph, fcs[1]));
        Assert.Equal(new long[] { 1000, 4096 }, WeightDims(graph, fcs[2]));
        Assert.Equal([FusedActivation.FusedRelu, FusedActivation.FusedRelu, FusedActivation.FusedNone], fcs.Select(f => f.Activation));
        Assert.All(graph.Nodes.Where(n => n.Op == OpType.Conv), c =>
        {
            Assert.Equal(new[] { 3, 3 }, c.Kernel);
            Assert.Equal(new[] { 1, 1, 1, 1 }, c.Pads);
            Assert.Equal(FusedActivation.FusedRelu, c.Activation);
        });
    }

    [Theory]
    [InlineData("googlenet")]
    [InlineData("mobilenet_v1")]
    [InlineData("resnet50")]
    [InlineData("squeezenet1_1")]
    public void New_zoo_models_are_deterministic_under_a_seed(string name)
    {
        var first = ModelZoo.Build(name, seed: 7);
        var again = ModelZoo.Build(name, seed: 7);
        var other = ModelZoo.Build(name, seed: 8);

        Assert.Equal(first, again);
        Assert.NotEqual(first.Initializers[0].FloatData, other.Initializers[0].FloatData);
        Assert.Equal(first.Nodes, other.Nodes);
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
            var graph = Cached(name);
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

    private static Graph Cached(string name) => Zoo.GetOrAdd(name, n => new Lazy<Graph>(() => ModelZoo.Build(n))).Value;

    /// <summary>Shape inference from the graph alone (independent of the builder's bookkeeping), checking channel counts on the way.</summary>
    private static Dictionary<string, long[]> InferShapes(Graph graph)
    {
        var shapes = graph.Inputs.ToDictionary(i => i.Name, i => i.Shape.ToArray(), StringComparer.Ordinal);
        var dims = graph.Initializers.ToDictionary(t => t.Name, t => t.Dims.ToArray(), StringComparer.Ordinal);
        foreach (var node in graph.Nodes)
        {
            var x = shapes[node.Inputs[0]];
            shapes[node.Output] = node.Op switch
            {
                OpType.Conv => ConvShape(node, x, dims[node.Weight]),
                OpType.MaxPool or OpType.AveragePool => [x[0], x[1], Extent(x[2], node, 0), Extent(x[3], node, 1)],
                OpType.GlobalAveragePool => [x[0], x[1], 1, 1],
                OpType.Relu or OpType.Clip => x,
                OpType.Add => node.Inputs.All(i => shapes[i].SequenceEqual(x)) ? x : throw new InvalidOperationException($"{node.Name}: mismatched inputs"),
                OpType.Concat => [.. x.Select((d, axis) => axis == node.Axis ? node.Inputs.Sum(i => shapes[i][axis]) : d)],
                OpType.Flatten => [x.Take(node.Axis).Aggregate(1L, (a, d) => a * d), x.Skip(node.Axis).Aggregate(1L, (a, d) => a * d)],
                OpType.FullyConnected => x.Skip(1).Aggregate(1L, (a, d) => a * d) == dims[node.Weight][1]
                    ? [x[0], dims[node.Weight][0]]
                    : throw new InvalidOperationException($"{node.Name}: {x.Skip(1).Aggregate(1L, (a, d) => a * d)} features for weights {string.Join('x', dims[node.Weight])}"),
                _ => throw new InvalidOperationException($"{node.Name}: no shape rule for {node.Op}"),
            };
        }

        return shapes;
    }

    private static long[] ConvShape(Node node, long[] x, long[] weight)
    {
        Assert.Equal(x[1], weight[1] * node.Group);
        Assert.Equal(node.Kernel, weight.Skip(2).Select(d => (int)d));
        return [x[0], weight[0], Extent(x[2], node, 0), Extent(x[3], node, 1)];
    }

    private static long Extent(long input, Node node, int axis)
    {
        var dilation = node.Dilations.Count > 0 ? node.Dilations[axis] : 1;
        var span = input + node.Pads[axis] + node.Pads[axis + 2] - (dilation * (node.Kernel[axis] - 1)) - 1;
        return (long)Math.Floor(span / (double)node.Strides[axis]) + 1;
    }

    private static long[] WeightDims(Graph graph, Node node) => [.. graph.Initializers.Single(t => t.Name == node.Weight).Dims];

    private static long ParameterCount(Graph graph) => graph.Initializers.Sum(t => t.Dims.Aggregate(1L, (a, d) => a * d));
}
