using System.Buffers.Binary;
using Dsx.Wire;
using Google.Protobuf;

namespace Dsx.Model;

/// <summary>
/// Builds a <see cref="Graph"/> node by node with seeded weights, tracking the logical (NCHW) shape of
/// every value so that each layer's output shape is known as soon as it is added.
/// Every method returns the name of the value it produced (the node's name), to be passed on as input.
/// </summary>
public sealed class NetworkBuilder
{
    // Biases stay small so that the weight init, not the bias, sets the activation scale.
    private const float BiasBound = 0.05f;

    private readonly Graph _graph;
    private readonly ulong _seed;
    private readonly Dictionary<string, long[]> _shapes = new(StringComparer.Ordinal);

    public NetworkBuilder(string graphName, ulong seed = 42)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(graphName);
        _graph = new Graph { Name = graphName };
        _seed = seed;
    }

    /// <summary>The logical shape of a value already in the graph.</summary>
    public IReadOnlyList<long> ShapeOf(string value) =>
        _shapes.TryGetValue(value, out var shape)
            ? shape
            : throw new ArgumentException($"Graph '{_graph.Name}' has no value named '{value}'.", nameof(value));

    public string Input(string name, params long[] shape)
    {
        if (shape.Length == 0 || shape.Any(d => d <= 0))
        {
            throw new ArgumentException($"Input '{name}' needs a fully known positive shape.", nameof(shape));
        }

        Define(name, shape);
        _graph.Inputs.Add(ValueInfoOf(name));
        return name;
    }

    public void Output(string value) => _graph.Outputs.Add(ValueInfoOf(value));

    public string Conv(string input, string name, int outChannels, int kernel, int stride = 1, int padding = 0, int groups = 1, Activation? activation = null) =>
        Conv(input, name, outChannels, Window2d.Square(kernel, stride, padding), groups, activation);

    /// <summary>Grouped/depthwise 2-D convolution with bias; weights OIHW, He-uniform so activations keep their scale.</summary>
    public string Conv(string input, string name, int outChannels, Window2d window, int groups = 1, Activation? activation = null)
    {
        ArgumentNullException.ThrowIfNull(window);
        var (n, c, h, w) = Nchw(input, name);
        if (groups <= 0 || c % groups != 0 || outChannels % groups != 0)
        {
            throw new ArgumentException($"Conv '{name}': {c} input and {outChannels} output channels are not divisible into {groups} groups.", nameof(groups));
        }

        activation ??= Activation.None;
        var inPerGroup = c / groups;
        var fanIn = inPerGroup * window.KernelH * window.KernelW;
        var weight = AddInitializer($"{name}.weight", [outChannels, inPerGroup, window.KernelH, window.KernelW], HeBound(fanIn, activation));
        var bias = AddInitializer($"{name}.bias", [outChannels], BiasBound);

        var node = NewNode(name, OpType.Conv, input);
        node.Weight = weight;
        node.Bias = bias;
        SetEpilogue(node, activation);
        SetWindow(node, window);
        node.Dilations.Add([window.DilationH, window.DilationW]);
        node.Group = groups;
        return Define(name, [n, outChannels, OutputExtent(window.OutputHeight(h), name), OutputExtent(window.OutputWidth(w), name)]);
    }

    /// <summary>y = x W^T + b with x flattened to (N, K); weights (M, K).</summary>
    public string FullyConnected(string input, string name, int outFeatures, Activation? activation = null)
    {
        var shape = ShapeOf(input);
        var batch = shape[0];
        var inFeatures = shape.Skip(1).Aggregate(1L, (a, d) => a * d);
        activation ??= Activation.None;
        var weight = AddInitializer($"{name}.weight", [outFeatures, inFeatures], HeBound(inFeatures, activation));
        var bias = AddInitializer($"{name}.bias", [outFeatures], BiasBound);

        var node = NewNode(name, OpType.FullyConnected, input);
        node.Weight = weight;
        node.Bias = bias;
        SetEpilogue(node, activation);
        return Define(name, [batch, outFeatures]);
    }

    public string MaxPool(string input, string name, Window2d window) => Pool(input, name, OpType.MaxPool, window, countIncludePad: false);

    public string AveragePool(string input, string name, Window2d window, bool countIncludePad = false) =>
        Pool(input, name, OpType.AveragePool, window, countIncludePad);

    public string GlobalAveragePool(string input, string name)
    {
        var (n, c, _, _) = Nchw(input, name);
        NewNode(name, OpType.GlobalAveragePool, input);
        return Define(name, [n, c, 1, 1]);
    }

    public string Relu(string input, string name)
    {
        NewNode(name, OpType.Relu, input);
        return Define(name, [.. ShapeOf(input)]);
    }

    public string Clip(string input, string name, float min, float max)
    {
        var node = NewNode(name, OpType.Clip, input);
        node.ActMin = min;
        node.ActMax = max;
        return Define(name, [.. ShapeOf(input)]);
    }

    /// <summary>Element-wise sum with NumPy broadcasting (a residual connection when both shapes match).</summary>
    public string Add(string left, string right, string name)
    {
        var shape = Onnx.TensorMath.Broadcast(ShapeOf(left), ShapeOf(right))
            ?? throw new ArgumentException(
                $"Node '{name}': shapes [{string.Join(", ", ShapeOf(left))}] and [{string.Join(", ", ShapeOf(right))}] do not broadcast.");
        NewNode(name, OpType.Add, left, right);
        return Define(name, shape);
    }

    /// <summary>Joins values along <paramref name="axis"/> (channels for NCHW); every other dimension must match.</summary>
    public string Concat(IReadOnlyList<string> inputs, string name, int axis = 1)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        if (inputs.Count == 0)
        {
            throw new ArgumentException($"Concat '{name}' needs at least one input.", nameof(inputs));
        }

        var shape = ShapeOf(inputs[0]).ToArray();
        if (axis < 0 || axis >= shape.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(axis), $"Concat '{name}': axis {axis} is outside rank {shape.Length}.");
        }

        foreach (var input in inputs.Skip(1))
        {
            var other = ShapeOf(input);
            if (other.Count != shape.Length || Enumerable.Range(0, shape.Length).Any(i => i != axis && other[i] != shape[i]))
            {
                throw new ArgumentException($"Concat '{name}': shapes [{string.Join(", ", ShapeOf(inputs[0]))}] and [{string.Join(", ", other)}] differ outside axis {axis}.");
            }

            shape[axis] += other[axis];
        }

        var node = NewNode(name, OpType.Concat, [.. inputs]);
        node.Axis = axis;
        return Define(name, shape);
    }

    /// <summary>Flattens to 2-D at <paramref name="axis"/>: (d0*...*d[axis-1], d[axis]*...).</summary>
    public string Flatten(string input, string name, int axis = 1)
    {
        var shape = ShapeOf(input);
        if (axis < 0 || axis > shape.Count)
        {
            throw new ArgumentOutOfRangeException(nameof(axis), $"Flatten '{name}': axis {axis} is outside rank {shape.Count}.");
        }

        var node = NewNode(name, OpType.Flatten, input);
        node.Axis = axis;
        var outer = shape.Take(axis).Aggregate(1L, (a, d) => a * d);
        var inner = shape.Skip(axis).Aggregate(1L, (a, d) => a * d);
        return Define(name, [outer, inner]);
    }

    /// <summary>The graph as built so far; call after <see cref="Output"/>.</summary>
    public Graph Build()
    {
        if (_graph.Outputs.Count == 0)
        {
            throw new InvalidOperationException($"Graph '{_graph.Name}' has no output; call Output() first.");
        }

        return _graph.Clone();
    }

    /// <summary>
    /// He-uniform: Var(w) = 2/fanIn before a ReLU-like activation (which halves the second moment),
    /// 1/fanIn before a linear output (residual branches, projections, logits), so the scale is kept either way.
    /// </summary>
    private static float HeBound(long fanIn, Activation activation)
    {
        var gain = activation.Kind == FusedActivation.FusedNone ? 1.0 : 2.0;
        return (float)Math.Sqrt(3.0 * gain / fanIn);
    }

    private string Pool(string input, string name, OpType op, Window2d window, bool countIncludePad)
    {
        ArgumentNullException.ThrowIfNull(window);
        var (n, c, h, w) = Nchw(input, name);
        var node = NewNode(name, op, input);
        SetWindow(node, window);
        node.CountIncludePad = countIncludePad;
        return Define(name, [n, c, OutputExtent(window.OutputHeight(h), name), OutputExtent(window.OutputWidth(w), name)]);
    }

    private static void SetWindow(Node node, Window2d window)
    {
        node.Kernel.Add([window.KernelH, window.KernelW]);
        node.Strides.Add([window.StrideH, window.StrideW]);
        node.Pads.Add([window.PadTop, window.PadLeft, window.PadBottom, window.PadRight]);
    }

    private static void SetEpilogue(Node node, Activation activation)
    {
        node.Activation = activation.Kind;
        node.ActMin = activation.Min;
        node.ActMax = activation.Max;
    }

    private static long OutputExtent(long extent, string name) =>
        extent > 0 ? extent : throw new ArgumentException($"Node '{name}': the window does not fit its input (output extent {extent}).");

    private (long N, long C, long H, long W) Nchw(string input, string consumer)
    {
        var shape = ShapeOf(input);
        if (shape.Count != 4)
        {
            throw new ArgumentException($"Node '{consumer}' needs a 4-D NCHW input, but '{input}' has shape [{string.Join(", ", shape)}].");
        }

        return (shape[0], shape[1], shape[2], shape[3]);
    }

    private Node NewNode(string name, OpType op, params string[] inputs)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (_shapes.ContainsKey(name))
        {
            throw new ArgumentException($"Graph '{_graph.Name}' already has a value named '{name}'.", nameof(name));
        }

        foreach (var input in inputs)
        {
            _ = ShapeOf(input);
        }

        var node = new Node { Name = name, Op = op, Output = name };
        node.Inputs.Add(inputs);
        _graph.Nodes.Add(node);
        return node;
    }

    private string Define(string name, long[] shape)
    {
        if (!_shapes.TryAdd(name, shape))
        {
            throw new ArgumentException($"Graph '{_graph.Name}' already has a value named '{name}'.", nameof(name));
        }

        return name;
    }

    private ValueInfo ValueInfoOf(string value)
    {
        var info = new ValueInfo { Name = value };
        info.Shape.Add(ShapeOf(value));
        return info;
    }

    private string AddInitializer(string name, long[] dims, float bound)
    {
        var count = dims.Aggregate(1L, (a, d) => a * d);
        var random = DeterministicRandom.ForName(_seed, name);
        var bytes = new byte[checked(count * sizeof(float))];
        for (var i = 0; i < count; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * sizeof(float)), random.NextSymmetric(bound));
        }

        var tensor = new Tensor { Name = name, FloatData = UnsafeByteOperations.UnsafeWrap(bytes) };
        tensor.Dims.Add(dims);
        _graph.Initializers.Add(tensor);
        return name;
    }
}
