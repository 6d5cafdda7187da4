using System.Buffers.Binary;
using System.Globalization;
using Dsx.Model.Onnx.Proto;
using Dsx.Wire;
using Google.Protobuf;

namespace Dsx.Model.Onnx;

/// <summary>
/// One import of an ONNX graph into the executor IR: walks the (topologically ordered) ONNX nodes once,
/// folding constants and shape sub-graphs, inferring every activation's shape, and fusing what the
/// executor fuses (BatchNormalization into Conv weights, Relu/Clip into the Conv/Gemm epilogue).
/// </summary>
internal sealed class OnnxGraphImporter
{
    public const int MinOpset = 11;
    public const int MaxOpset = 17;

    /// <summary>The largest tensor imported, in elements: as the executor's own limit (model.cpp).</summary>
    public const long MaxTensorElements = int.MaxValue;

    public static readonly IReadOnlyList<string> SupportedOps =
    [
        "Add", "AveragePool", "BatchNormalization", "Cast", "Clip", "Concat", "Constant", "Conv", "Dropout", "Flatten",
        "Gather", "Gemm", "GlobalAveragePool", "HardSigmoid", "HardSwish", "Identity", "MatMul", "MaxPool", "Mul",
        "ReduceMean", "Relu", "Reshape", "Shape", "Sigmoid", "Slice", "Softmax", "Squeeze", "Transpose", "Unsqueeze",
    ];

    // Ops evaluated at import time when all their inputs are known (shape arithmetic feeding Reshape etc.).
    private static readonly HashSet<string> Foldable = new(StringComparer.Ordinal)
    {
        "Shape", "Gather", "Unsqueeze", "Squeeze", "Concat", "Cast", "Slice", "Reshape", "Add", "Mul", "Flatten",
    };

    private readonly string _source;
    private readonly GraphProto _onnx;
    private readonly int _opset;
    private readonly IReadOnlyDictionary<string, long[]>? _inputShapes;
    private readonly Graph _graph = new();
    private readonly Dictionary<string, long[]> _shapes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, OnnxConstant> _constants = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _alias = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Node> _producer = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _uses = new(StringComparer.Ordinal);
    private readonly HashSet<string> _producedLater = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (long[] Dims, float[] Data)> _weights = new(StringComparer.Ordinal);
    private readonly List<string> _weightOrder = [];
    private readonly HashSet<string> _nodeNames = new(StringComparer.Ordinal);
    private readonly HashSet<string> _valueNames = new(StringComparer.Ordinal);

    private NodeProto _node = new();
    private int _index = -1;
    private string _name = "";

    private OnnxGraphImporter(string source, GraphProto onnx, int opset, IReadOnlyDictionary<string, long[]>? inputShapes)
    {
        _source = source;
        _onnx = onnx;
        _opset = opset;
        _inputShapes = inputShapes;
    }

    public static Graph Import(ModelProto model, string source, IReadOnlyDictionary<string, long[]>? inputShapes)
    {
        if (model.Graph is null || (model.Graph.Node.Count == 0 && model.Graph.Output.Count == 0))
        {
            throw new OnnxImportException(source, null, "is not an ONNX model (no graph found). Check that the file is a .onnx model and not truncated.");
        }

        var opsets = model.OpsetImport.Where(o => o.Domain is "" or "ai.onnx").ToList();
        if (opsets.Count == 0)
        {
            throw new OnnxImportException(source, null, $"declares no opset for the default ONNX domain; supported are opsets {MinOpset} to {MaxOpset}.");
        }

        var opset = (int)opsets.Max(o => o.Version);
        if (opset is < MinOpset or > MaxOpset)
        {
            throw new OnnxImportException(source, null,
                $"uses opset {opset} of the default ONNX domain; supported are opsets {MinOpset} to {MaxOpset}. " +
                "Convert it first, e.g. onnx.version_converter.convert_version(model, 13).");
        }

        return new OnnxGraphImporter(source, model.Graph, opset, inputShapes).Run();
    }

    private string NodeLabel => $"'{_name}' ({_node.OpType}, #{_index})";

    /// <summary>
    /// Refuses a tensor over <see cref="MaxTensorElements"/> (or whose element count overflows): no board could hold it,
    /// and the executor would only fail later, and less clearly, allocating it.
    /// </summary>
    private void CheckSize(string what, long[] shape)
    {
        var elements = 1L;
        foreach (var d in shape.Where(d => d > 0))
        {
            elements = elements <= MaxTensorElements / d ? elements * d : long.MaxValue;
        }

        if (elements > MaxTensorElements)
        {
            throw Fail($"{what} has shape {TensorMath.Format(shape)}, over {MaxTensorElements} elements (8 GiB of float32), more than any board holds. " +
                "Check the model's shapes (or the --input-shape given).");
        }
    }

    private OnnxImportException Fail(string problem) => new(_source, _index < 0 ? null : NodeLabel, problem);

    private Graph Run()
    {
        _graph.Name = _onnx.Name.Length > 0 ? _onnx.Name : Path.GetFileNameWithoutExtension(_source);
        foreach (var init in _onnx.Initializer)
        {
            _constants[init.Name] = ReadTensor(init, $"initializer '{init.Name}'");
        }

        ReadInputs();
        CountUses();

        for (var i = 0; i < _onnx.Node.Count; i++)
        {
            _node = _onnx.Node[i];
            _index = i;
            _name = UniqueNodeName(_node.Name.Length > 0 ? _node.Name : $"{_node.OpType}_{i}");
            foreach (var output in _node.Output)
            {
                _producedLater.Remove(output);
            }

            try
            {
                ImportNode();
            }
            catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or IndexOutOfRangeException or OverflowException or KeyNotFoundException)
            {
                // A malformed node must still come out as a message that names it.
                throw Fail($"could not be imported ({ex.Message}). Check the model with onnx.checker.check_model.");
            }
        }

        _index = -1;
        WriteOutputs();
        WriteInitializers();
        return _graph;
    }

    // ------------------------------------------------------------------ graph inputs, outputs, uses

    private void ReadInputs()
    {
        foreach (var input in _onnx.Input)
        {
            if (_constants.ContainsKey(input.Name))
            {
                continue;  // IR < 4 lists initializers among the inputs too.
            }

            var tensorType = input.Type?.TensorType;
            if (tensorType is null)
            {
                throw Fail($"graph input '{input.Name}' is not a tensor; only float32 tensor inputs are supported.");
            }

            if (tensorType.ElemType != (int)TensorProto.Types.DataType.Float)
            {
                throw Fail($"graph input '{input.Name}' is {DataTypeName(tensorType.ElemType)}, not float32; only float32 inputs are supported " +
                    "(an int64 input usually means a token/index model, which Dsx does not handle).");
            }

            long[] shape;
            if (_inputShapes is not null && _inputShapes.TryGetValue(input.Name, out var given))
            {
                if (given.Length == 0 || given.Any(d => d <= 0))
                {
                    throw Fail($"the shape given for input '{input.Name}' ({TensorMath.Format(given)}) must be fully known and positive.");
                }

                if (tensorType.Shape is not null && tensorType.Shape.Dim.Count != given.Length)
                {
                    throw Fail($"the shape given for input '{input.Name}' has rank {given.Length}, the model declares rank {tensorType.Shape.Dim.Count}.");
                }

                shape = [.. given];
            }
            else
            {
                shape = StaticShape(input, tensorType);
            }

            CheckSize($"graph input '{input.Name}'", shape);
            _shapes[input.Name] = shape;
            _valueNames.Add(input.Name);
            var info = new ValueInfo { Name = input.Name };
            info.Shape.Add(shape);
            _graph.Inputs.Add(info);
        }

        if (_inputShapes is not null)
        {
            foreach (var name in _inputShapes.Keys.Where(n => !_graph.Inputs.Any(i => i.Name == n)))
            {
                throw Fail($"a shape was given for input '{name}', but the model has no such input; its inputs are {string.Join(", ", _graph.Inputs.Select(i => i.Name))}.");
            }
        }
    }

    private long[] StaticShape(ValueInfoProto input, TypeProto.Types.Tensor tensorType)
    {
        var dims = tensorType.Shape?.Dim;
        var dynamic = dims is null || dims.Any(d => d.ValueCase != TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue || d.DimValue <= 0);
        if (!dynamic)
        {
            return [.. dims!.Select(d => d.DimValue)];
        }

        var shown = dims is null ? "unknown rank" : $"[{string.Join(", ", dims.Select(DimText))}]";
        var example = dims is null || dims.Count == 0 ? "1x3x224x224" : string.Join("x", dims.Select((d, i) => d.DimValue > 0 ? d.DimValue : (i == 0 ? 1 : 224)));
        throw Fail($"graph input '{input.Name}' has a dynamic shape {shown}; give it a fixed shape, e.g. --input-shape {input.Name}={example}.");
    }

    private static string DimText(TensorShapeProto.Types.Dimension d) => d.ValueCase switch
    {
        TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue => d.DimValue.ToString(CultureInfo.InvariantCulture),
        TensorShapeProto.Types.Dimension.ValueOneofCase.DimParam => d.DimParam,
        _ => "?",
    };

    /// <summary>Counts consumers per value, looking through Identity/Dropout, to know when a fusion is safe.</summary>
    private void CountUses()
    {
        var alias = new Dictionary<string, string>(StringComparer.Ordinal);
        string Resolve(string name) => alias.TryGetValue(name, out var to) ? to : name;
        foreach (var node in _onnx.Node)
        {
            foreach (var output in node.Output)
            {
                _producedLater.Add(output);
            }

            if (node.OpType is "Identity" or "Dropout" && node.Input.Count > 0 && node.Output.Count > 0)
            {
                alias[node.Output[0]] = Resolve(node.Input[0]);
                continue;
            }

            foreach (var input in node.Input.Where(i => i.Length > 0))
            {
                var r = Resolve(input);
                _uses[r] = _uses.GetValueOrDefault(r) + 1;
            }
        }

        foreach (var output in _onnx.Output)
        {
            var r = Resolve(output.Name);
            _uses[r] = _uses.GetValueOrDefault(r) + 1;
        }
    }

    private void WriteOutputs()
    {
        foreach (var output in _onnx.Output)
        {
            var value = Resolve(output.Name);
            if (!_shapes.TryGetValue(value, out var shape))
            {
                throw Fail(_constants.ContainsKey(value)
                    ? $"graph output '{output.Name}' is a constant; nothing would be computed for it."
                    : $"graph output '{output.Name}' is not produced by any node.");
            }

            if (value != output.Name)
            {
                // Removed Identity/Dropout in front of an output: the producer takes the output's name.
                if (!_producer.TryGetValue(value, out var producer) || _onnx.Output.Any(o => o.Name == value) || _graph.Inputs.Any(i => i.Name == value))
                {
                    throw Fail($"graph output '{output.Name}' is an Identity of '{value}', which is itself an input or output; remove the Identity.");
                }

                producer.Output = output.Name;
                foreach (var node in _graph.Nodes)
                {
                    for (var i = 0; i < node.Inputs.Count; i++)
                    {
                        if (node.Inputs[i] == value)
                        {
                            node.Inputs[i] = output.Name;
                        }
                    }
                }
            }

            var info = new ValueInfo { Name = output.Name };
            info.Shape.Add(shape);
            _graph.Outputs.Add(info);
        }
    }

    private void WriteInitializers()
    {
        var used = new HashSet<string>(_graph.Nodes.SelectMany(n => new[] { n.Weight, n.Bias }), StringComparer.Ordinal);
        foreach (var name in _weightOrder.Where(used.Contains))
        {
            var (dims, data) = _weights[name];
            var bytes = new byte[data.Length * sizeof(float)];
            for (var i = 0; i < data.Length; i++)
            {
                BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * sizeof(float)), data[i]);
            }

            var tensor = new Tensor { Name = name, FloatData = UnsafeByteOperations.UnsafeWrap(bytes) };
            tensor.Dims.Add(dims);
            _graph.Initializers.Add(tensor);
        }
    }

    // ------------------------------------------------------------------ per node

    private void ImportNode()
    {
        if (_node.Domain is not ("" or "ai.onnx"))
        {
            throw Fail($"op '{_node.OpType}' of domain '{_node.Domain}' is not supported (only the default ONNX domain is). " +
                $"Supported op types: {string.Join(", ", SupportedOps)}.");
        }

        var op = _node.OpType;
        if (!SupportedOps.Contains(op))
        {
            throw Fail($"unsupported op type '{op}'. Supported op types: {string.Join(", ", SupportedOps)}. " +
                "Simplify or re-export the model without it (e.g. onnxsim), or open an issue.");
        }

        if (op is "Identity" or "Dropout")
        {
            if (op == "Dropout" && _node.Output.Count > 1 && _node.Output[1].Length > 0 && _onnx.Node.Any(n => n.Input.Contains(_node.Output[1])))
            {
                throw Fail("the Dropout mask output is used; only inference-mode Dropout (output ignored) is supported.");
            }

            var source = In(0);
            _ = ShapeOf(source);
            _alias[_node.Output[0]] = source;
            return;
        }

        if (op == "Constant")
        {
            _constants[Out()] = ConstantValue();
            return;
        }

        if (Foldable.Contains(op) && TryFold())
        {
            return;
        }

        switch (op)
        {
            case "Conv": ImportConv(); break;
            case "Gemm": ImportGemm(); break;
            case "MatMul": ImportMatMul(); break;
            case "BatchNormalization": ImportBatchNorm(); break;
            case "MaxPool": ImportPool(OpType.MaxPool); break;
            case "AveragePool": ImportPool(OpType.AveragePool); break;
            case "GlobalAveragePool": ImportGlobalAveragePool(); break;
            case "ReduceMean": ImportReduceMean(); break;
            case "Relu": ImportActivation(OpType.Relu, 0f, float.PositiveInfinity); break;
            case "Clip": ImportClip(); break;
            case "Sigmoid": EmitUnary(OpType.Sigmoid); break;
            case "HardSwish": EmitUnary(OpType.HardSwish); break;
            case "HardSigmoid":
                var hs = EmitUnary(OpType.HardSigmoid);
                hs.Alpha = AttrFloat("alpha", 0.2f);
                hs.Beta = AttrFloat("beta", 0.5f);
                break;
            case "Add": ImportBinary(OpType.Add); break;
            case "Mul": ImportBinary(OpType.Mul); break;
            case "Concat": ImportConcat(); break;
            case "Flatten": ImportFlatten(); break;
            case "Reshape": ImportReshape(); break;
            case "Transpose": ImportTranspose(); break;
            case "Softmax": ImportSoftmax(); break;
            default:
                // Shape-only ops reach here when their input is a runtime activation.
                throw Fail($"'{op}' is only supported on constants and shape sub-graphs (folded at import time), but input '{In(0)}' is computed at run time.");
        }
    }

    private void ImportConv()
    {
        var x = Activation(0);
        var xs = Rank4(x);
        var w = Weight(1, "weight");
        if (w.Dims.Length != 4)
        {
            throw Fail($"only 2-D convolutions are supported; weight '{In(1)}' has shape {TensorMath.Format(w.Dims)}.");
        }

        var group = (int)AttrInt("group", 1);
        var (outC, inPerGroup, kh, kw) = (w.Dims[0], w.Dims[1], (int)w.Dims[2], (int)w.Dims[3]);
        if (group <= 0 || inPerGroup * group != xs[1] || outC % group != 0)
        {
            throw Fail($"weight {TensorMath.Format(w.Dims)} with group={group} does not match input '{x}' of shape {TensorMath.Format(xs)}.");
        }

        var kernel = AttrInts("kernel_shape");
        if (kernel is not null && (kernel.Length != 2 || kernel[0] != kh || kernel[1] != kw))
        {
            throw Fail($"kernel_shape {TensorMath.Format(kernel)} does not match the weight {TensorMath.Format(w.Dims)}.");
        }

        var window = Window(xs, kh, kw, allowDilation: true);
        var output = Out();
        var node = Emit(OpType.Conv, output, [xs[0], outC, Extent(window.OutputHeight(xs[2])), Extent(window.OutputWidth(xs[3]))], x);
        node.Weight = AddWeight($"{_name}.weight", w.Dims, w.ToFloats());
        var b = In(2);
        if (b.Length > 0)
        {
            var bias = Weight(2, "bias");
            if (bias.Count != outC)
            {
                throw Fail($"bias '{b}' has {bias.Count} values for {outC} output channels.");
            }

            node.Bias = AddWeight($"{_name}.bias", [outC], bias.ToFloats());
        }

        SetWindow(node, window);
        node.Dilations.Add([window.DilationH, window.DilationW]);
        node.Group = group;
    }

    private void ImportGemm()
    {
        var a = Activation(0);
        var shape = ShapeOf(a);
        if (shape.Length != 2)
        {
            throw Fail($"Gemm needs a 2-D input, but '{a}' has shape {TensorMath.Format(shape)}; insert a Flatten.");
        }

        if (AttrInt("transA", 0) != 0)
        {
            throw Fail("transA=1 is not supported (the activation must be the row-major (N, K) operand); re-export without transposing A.");
        }

        var b = Weight(1, "B");
        if (b.Dims.Length != 2)
        {
            throw Fail($"B '{In(1)}' must be 2-D, but has shape {TensorMath.Format(b.Dims)}.");
        }

        var transB = AttrInt("transB", 0) != 0;
        var (m, k) = transB ? (b.Dims[0], b.Dims[1]) : (b.Dims[1], b.Dims[0]);
        if (k != shape[1])
        {
            throw Fail($"B {TensorMath.Format(b.Dims)} (transB={(transB ? 1 : 0)}) does not match input '{a}' of shape {TensorMath.Format(shape)}.");
        }

        var alpha = AttrFloat("alpha", 1f);
        var beta = AttrFloat("beta", 1f);
        var weight = FcWeight(b, transB, m, k, alpha);
        var node = Emit(OpType.FullyConnected, Out(), [shape[0], m], a);
        node.Weight = AddWeight($"{_name}.weight", [m, k], weight);
        if (In(2).Length > 0)
        {
            var c = Weight(2, "C");
            if (c.Count != 1 && (c.Count != m || c.Dims.Length > 2 || c.Dims[^1] != m))
            {
                throw Fail($"C '{In(2)}' of shape {TensorMath.Format(c.Dims)} is not a per-output bias of {m} values; only a bias broadcast over the batch is supported.");
            }

            var values = c.ToFloats();
            node.Bias = AddWeight($"{_name}.bias", [m], [.. Enumerable.Range(0, (int)m).Select(j => beta == 1f ? values[c.Count == 1 ? 0 : j] : beta * values[c.Count == 1 ? 0 : j])]);
        }
    }

    private static float[] FcWeight(OnnxConstant b, bool transposed, long m, long k, float alpha)
    {
        var source = b.ToFloats();
        var weight = new float[m * k];
        for (var row = 0L; row < m; row++)
        {
            for (var col = 0L; col < k; col++)
            {
                var v = transposed ? source[(row * k) + col] : source[(col * m) + row];
                weight[(row * k) + col] = alpha == 1f ? v : alpha * v;
            }
        }

        return weight;
    }

    private void ImportMatMul()
    {
        var a = Activation(0);
        var shape = ShapeOf(a);
        var b = Weight(1, "B");
        if (shape.Length != 2 || b.Dims.Length != 2 || b.Dims[0] != shape[1])
        {
            throw Fail($"only MatMul of a 2-D activation by a constant 2-D weight is supported; got {TensorMath.Format(shape)} x {TensorMath.Format(b.Dims)}.");
        }

        var (k, m) = (b.Dims[0], b.Dims[1]);
        var node = Emit(OpType.FullyConnected, Out(), [shape[0], m], a);
        node.Weight = AddWeight($"{_name}.weight", [m, k], FcWeight(b, transposed: false, m, k, 1f));
    }

    private void ImportBatchNorm()
    {
        if (_node.Output.Skip(1).Any(o => o.Length > 0))
        {
            throw Fail("training-mode BatchNormalization (extra outputs) is not supported; export the model in eval mode.");
        }

        var x = Activation(0);
        var channels = ShapeOf(x)[1];
        var scale = Weight(1, "scale").ToFloats();
        var shift = Weight(2, "B").ToFloats();
        var mean = Weight(3, "mean").ToFloats();
        var variance = Weight(4, "var").ToFloats();
        if (new[] { scale, shift, mean, variance }.Any(v => v.Length != channels))
        {
            throw Fail($"scale/B/mean/var must each hold {channels} values, one per channel of '{x}'.");
        }

        var epsilon = AttrFloat("epsilon", 1e-5f);
        var producer = FusableProducer(x);
        if (producer is null || producer.Activation != FusedActivation.FusedNone)
        {
            var what = _producer.TryGetValue(x, out var p) ? $"a {p.Op} node ('{p.Name}')" : $"'{x}'";
            throw Fail($"BatchNormalization is only supported directly after a Conv or Gemm whose output it alone consumes (it is folded into the weights); here it follows {what}. " +
                "Fold it before export (e.g. torch.fx / onnxsim), or place it after a Conv.");
        }

        var multiplier = new float[channels];
        var offset = new float[channels];
        for (var c = 0; c < channels; c++)
        {
            multiplier[c] = scale[c] / MathF.Sqrt(variance[c] + epsilon);
            offset[c] = shift[c] - (mean[c] * multiplier[c]);
        }

        ScaleAndShift(producer, multiplier, offset);
        Rename(producer, Out());
    }

    /// <summary>Per-output-channel y' = y * multiplier + offset, folded into a Conv/FC's weights and bias.</summary>
    private void ScaleAndShift(Node producer, float[]? multiplier, float[]? offset)
    {
        var (dims, weight) = _weights[producer.Weight];
        var channels = dims[0];
        var perChannel = weight.Length / channels;
        if (producer.Bias.Length == 0)
        {
            producer.Bias = AddWeight($"{producer.Name}.bias", [channels], new float[channels]);
        }

        var bias = _weights[producer.Bias].Data;
        for (var c = 0; c < channels; c++)
        {
            if (multiplier is not null)
            {
                for (var j = 0; j < perChannel; j++)
                {
                    weight[(c * perChannel) + j] *= multiplier[c];
                }

                bias[c] *= multiplier[c];
            }

            if (offset is not null)
            {
                bias[c] += offset[c];
            }
        }
    }

    private void ImportPool(OpType op)
    {
        var x = Activation(0);
        var xs = Rank4(x);
        if (_node.Output.Count > 1 && _node.Output[1].Length > 0)
        {
            throw Fail("MaxPool's Indices output is not supported.");
        }

        var kernel = AttrInts("kernel_shape");
        if (kernel is not { Length: 2 })
        {
            throw Fail("only 2-D pooling with a kernel_shape of 2 values is supported.");
        }

        var window = Window(xs, (int)kernel[0], (int)kernel[1], allowDilation: op == OpType.MaxPool);
        if (window.DilationH != 1 || window.DilationW != 1)
        {
            throw Fail("dilated pooling is not supported.");
        }

        var (oh, ow) = (window.OutputHeight(xs[2]), window.OutputWidth(xs[3]));
        if (AttrInt("ceil_mode", 0) != 0)
        {
            var ceilH = CeilExtent(xs[2], window.KernelH, window.StrideH, window.PadTop + window.PadBottom);
            var ceilW = CeilExtent(xs[3], window.KernelW, window.StrideW, window.PadLeft + window.PadRight);
            if (ceilH != oh || ceilW != ow)
            {
                throw Fail($"ceil_mode=1 changes the output size here ({ceilH}x{ceilW} instead of {oh}x{ow}) and the executor rounds down; " +
                    "re-export with ceil_mode=0 and explicit bottom/right padding.");
            }
        }

        var node = Emit(op, Out(), [xs[0], xs[1], Extent(oh), Extent(ow)], x);
        SetWindow(node, window);
        node.CountIncludePad = op == OpType.AveragePool && AttrInt("count_include_pad", 0) != 0;
    }

    private static long CeilExtent(long input, int kernel, int stride, int pads)
    {
        var output = ((input + pads - kernel + stride - 1) / stride) + 1;
        // ONNX drops a last window that would start entirely inside the end padding.
        return (output - 1) * stride >= input + (pads / 2) ? output - 1 : output;
    }

    private void ImportGlobalAveragePool()
    {
        var x = Activation(0);
        var xs = Rank4(x);
        Emit(OpType.GlobalAveragePool, Out(), [xs[0], xs[1], 1, 1], x);
    }

    private void ImportReduceMean()
    {
        var x = Activation(0);
        var xs = ShapeOf(x);
        var axes = AttrInts("axes") ?? (_node.Input.Count > 1 && In(1).Length > 0 ? Const(1, "axes").ToLongs() : null);
        var normalized = axes?.Select(a => a < 0 ? a + xs.Length : a).Order().ToArray();
        if (xs.Length != 4 || normalized is null || !normalized.SequenceEqual([2L, 3L]))
        {
            throw Fail($"ReduceMean is only supported over the spatial axes [2, 3] of a 4-D input (a global average pool); got axes {(axes is null ? "all" : TensorMath.Format(axes))} of {TensorMath.Format(xs)}.");
        }

        if (AttrInt("keepdims", 1) != 0)
        {
            Emit(OpType.GlobalAveragePool, Out(), [xs[0], xs[1], 1, 1], x);
            return;
        }

        var pooled = UniqueValueName($"{Out()}_gap");
        Emit(OpType.GlobalAveragePool, pooled, [xs[0], xs[1], 1, 1], x);
        _name = UniqueNodeName($"{_name}_flatten");
        Emit(OpType.Flatten, Out(), [xs[0], xs[1]], pooled).Axis = 1;
    }

    private void ImportClip()
    {
        float min, max;
        if (_node.Attribute.Any(a => a.Name is "min" or "max"))
        {
            min = AttrFloat("min", float.NegativeInfinity);
            max = AttrFloat("max", float.PositiveInfinity);
        }
        else
        {
            min = In(1).Length > 0 ? Scalar(1, "min") : float.NegativeInfinity;
            max = In(2).Length > 0 ? Scalar(2, "max") : float.PositiveInfinity;
        }

        ImportActivation(OpType.Clip, min, max);
    }

    private float Scalar(int input, string what)
    {
        var c = Const(input, what);
        return c.Count == 1 ? (float)c.Values[0] : throw Fail($"{what} '{In(input)}' must be a scalar, but has shape {TensorMath.Format(c.Dims)}.");
    }

    /// <summary>Relu/Clip: fused into the producing Conv/Gemm when nothing else reads its output, else a node of its own.</summary>
    private void ImportActivation(OpType op, float min, float max)
    {
        var x = Activation(0);
        var producer = FusableProducer(x);
        if (producer is not null && producer.Activation == FusedActivation.FusedNone)
        {
            producer.Activation = op == OpType.Relu ? FusedActivation.FusedRelu : FusedActivation.FusedClip;
            producer.ActMin = min;
            producer.ActMax = max;
            Rename(producer, Out());
            return;
        }

        var node = EmitUnary(op);
        if (op == OpType.Clip)
        {
            node.ActMin = min;
            node.ActMax = max;
        }
    }

    private Node EmitUnary(OpType op)
    {
        var x = Activation(0);
        return Emit(op, Out(), [.. ShapeOf(x)], x);
    }

    private void ImportBinary(OpType op)
    {
        var (left, right) = (Resolve(In(0)), Resolve(In(1)));
        var leftConst = _constants.TryGetValue(left, out var lc);
        var rightConst = _constants.TryGetValue(right, out var rc);
        if (!leftConst && !rightConst)
        {
            var (ls, rs) = (ShapeOf(left), ShapeOf(right));
            var shape = TensorMath.Broadcast(ls, rs) ?? throw Fail($"shapes {TensorMath.Format(ls)} and {TensorMath.Format(rs)} do not broadcast.");
            Emit(op, Out(), shape, left, right);
            return;
        }

        // activation (op) constant: only as a per-channel affine folded into the producing Conv/Gemm.
        var (x, c) = leftConst ? (right, lc!) : (left, rc!);
        var producer = FusableProducer(x);
        var channels = ShapeOf(x).Length > 1 ? ShapeOf(x)[1] : 0;
        var perChannel = c.Count == 1 || (c.Count == channels && PerChannelDims(c.Dims, ShapeOf(x).Length));
        if (producer is null || producer.Activation != FusedActivation.FusedNone || !perChannel)
        {
            throw Fail($"{op} with a constant operand ('{(leftConst ? left : right)}', shape {TensorMath.Format(c.Dims)}) is only supported as a per-channel scale/shift " +
                "right after a Conv or Gemm whose output nothing else reads (it is folded into the weights).");
        }

        var values = Enumerable.Range(0, (int)channels).Select(i => (float)c.Values[c.Count == 1 ? 0 : i]).ToArray();
        ScaleAndShift(producer, op == OpType.Mul ? values : null, op == OpType.Add ? values : null);
        Rename(producer, Out());
    }

    // A constant that varies only along axis 1 of a rank-`rank` activation, e.g. [C,1,1] or [1,C,1,1] for NCHW, [C] for (N, C).
    private static bool PerChannelDims(long[] dims, int rank)
    {
        var shift = rank - dims.Length;
        return shift >= 0 && dims.Select((d, i) => i + shift == 1 || d == 1).All(ok => ok);
    }

    private void ImportConcat()
    {
        var inputs = _node.Input.Select(Resolve).ToArray();
        if (inputs.Any(_constants.ContainsKey))
        {
            throw Fail("Concat of activations with constants is not supported.");
        }

        var shapes = inputs.Select(ShapeOf).ToArray();
        var axis = NormalizeAxis(AttrInt("axis", 0), shapes[0].Length);
        var shape = (long[])shapes[0].Clone();
        shape[axis] = shapes.Sum(s => s[axis]);
        if (shapes.Any(s => s.Length != shape.Length || s.Where((d, i) => i != axis && d != shape[i]).Any()))
        {
            throw Fail($"inputs {string.Join(" ", shapes.Select(TensorMath.Format))} differ outside axis {axis}.");
        }

        Emit(OpType.Concat, Out(), shape, inputs).Axis = axis;
    }

    private void ImportFlatten()
    {
        var x = Activation(0);
        var xs = ShapeOf(x);
        var axis = AttrInt("axis", 1);
        axis = axis < 0 ? axis + xs.Length : axis;
        if (axis < 0 || axis > xs.Length)
        {
            throw Fail($"axis {AttrInt("axis", 1)} is outside rank {xs.Length}.");
        }

        Emit(OpType.Flatten, Out(), [TensorMath.Count(xs[..(int)axis]), TensorMath.Count(xs[(int)axis..])], x).Axis = (int)axis;
    }

    private void ImportReshape()
    {
        var x = Activation(0);
        var target = ReshapeTarget(ShapeOf(x), Const(1, "shape").ToLongs());
        var node = Emit(OpType.Reshape, Out(), target, x);
        node.Shape.Add(target);
    }

    private long[] ReshapeTarget(long[] input, long[] requested)
    {
        var allowZero = AttrInt("allowzero", 0) != 0;
        var target = requested.Select((d, i) => d == 0 && !allowZero ? (i < input.Length ? input[i] : throw Fail($"shape {TensorMath.Format(requested)}: 0 at axis {i} has no input dim to copy.")) : d).ToArray();
        var unknown = Array.FindAll(target, d => d == -1).Length;
        var known = target.Where(d => d != -1).Aggregate(1L, (a, d) => a * d);
        var total = TensorMath.Count(input);
        if (unknown > 1 || (unknown == 1 && (known == 0 || total % known != 0)) || (unknown == 0 && known != total))
        {
            throw Fail($"cannot reshape {TensorMath.Format(input)} to {TensorMath.Format(requested)}.");
        }

        return [.. target.Select(d => d == -1 ? total / known : d)];
    }

    private void ImportTranspose()
    {
        var x = Activation(0);
        var xs = ShapeOf(x);
        var perm = AttrInts("perm") ?? [.. Enumerable.Range(0, xs.Length).Reverse().Select(i => (long)i)];
        if (perm.Length != xs.Length || perm.Order().Where((p, i) => p != i).Any())
        {
            throw Fail($"perm {TensorMath.Format(perm)} is not a permutation of rank {xs.Length}.");
        }

        var node = Emit(OpType.Transpose, Out(), [.. perm.Select(p => xs[p])], x);
        node.Perm.Add(perm.Select(p => (int)p));
    }

    private void ImportSoftmax()
    {
        var x = Activation(0);
        var xs = ShapeOf(x);
        var axis = NormalizeAxis(AttrInt("axis", _opset < 13 ? 1 : -1), xs.Length);
        if (_opset < 13 && xs.Skip(axis).SkipLast(1).Any(d => d != 1))
        {
            // Before opset 13, Softmax flattened [axis..] into one dimension; only equal to a last-axis softmax here.
            throw Fail($"opset {_opset} Softmax with axis={axis} over {TensorMath.Format(xs)} normalizes across several axes, which the executor does not do; " +
                "use axis=-1 (last axis) or re-export at opset 13+.");
        }

        Emit(OpType.Softmax, Out(), [.. xs], x).Axis = _opset < 13 ? xs.Length - 1 : axis;
    }

    // ------------------------------------------------------------------ constant folding

    private bool TryFold()
    {
        var inputs = _node.Input.Select(Resolve).ToArray();
        if (_node.OpType == "Shape")
        {
            var shape = ShapeOf(inputs[0]);
            var start = NormalizeRange(AttrInt("start", 0), shape.Length);
            var end = NormalizeRange(AttrInt("end", shape.Length), shape.Length);
            var dims = shape[(int)start..(int)Math.Max(start, end)];
            _constants[Out()] = OnnxConstant.Ints([dims.Length], dims);
            return true;
        }

        if (inputs.Where(i => i.Length > 0).Any(i => !_constants.ContainsKey(i)))
        {
            return false;
        }

        OnnxConstant C(int i) => _constants[inputs[i]];
        _constants[Out()] = _node.OpType switch
        {
            "Gather" => FoldGather(C(0), C(1), AttrInt("axis", 0)),
            "Unsqueeze" => FoldUnsqueeze(C(0), AttrInts("axes") ?? C(1).ToLongs()),
            "Squeeze" => FoldSqueeze(C(0), AttrInts("axes") ?? (inputs.Length > 1 && inputs[1].Length > 0 ? C(1).ToLongs() : null)),
            "Concat" => FoldConcat([.. inputs.Select((_, i) => C(i))], AttrInt("axis", 0)),
            "Cast" => FoldCast(C(0), AttrInt("to", 1)),
            "Slice" => FoldSlice(C(0), C(1).ToLongs(), C(2).ToLongs(),
                inputs.Length > 3 && inputs[3].Length > 0 ? C(3).ToLongs() : null,
                inputs.Length > 4 && inputs[4].Length > 0 ? C(4).ToLongs() : null),
            "Reshape" => C(0) with { Dims = ReshapeTarget(C(0).Dims, C(1).ToLongs()) },
            "Flatten" => C(0) with { Dims = FlattenDims(C(0).Dims, AttrInt("axis", 1)) },
            "Add" => FoldBinary(C(0), C(1), (a, b) => a + b),
            "Mul" => FoldBinary(C(0), C(1), (a, b) => a * b),
            _ => throw Fail("internal: no folding rule."),
        };
        return true;
    }

    private static long NormalizeRange(long i, long rank) => Math.Clamp(i < 0 ? i + rank : i, 0, rank);

    private static long[] FlattenDims(long[] dims, long axis)
    {
        axis = axis < 0 ? axis + dims.Length : axis;
        return [TensorMath.Count(dims[..(int)axis]), TensorMath.Count(dims[(int)axis..])];
    }

    private OnnxConstant FoldGather(OnnxConstant data, OnnxConstant indices, long axisAttr)
    {
        var axis = NormalizeAxis(axisAttr, data.Dims.Length);
        var outDims = data.Dims[..axis].Concat(indices.Dims).Concat(data.Dims[(axis + 1)..]).ToArray();
        var values = new double[TensorMath.Count(outDims)];
        var dataStrides = TensorMath.Strides(data.Dims);
        for (var flat = 0L; flat < values.Length; flat++)
        {
            var index = TensorMath.Unravel(flat, outDims);
            var indexFlat = 0L;
            var idxStrides = TensorMath.Strides(indices.Dims);
            for (var j = 0; j < indices.Dims.Length; j++)
            {
                indexFlat += index[axis + j] * idxStrides[j];
            }

            var picked = (long)indices.Values[indexFlat];
            picked = picked < 0 ? picked + data.Dims[axis] : picked;
            var offset = 0L;
            for (var d = 0; d < data.Dims.Length; d++)
            {
                var coordinate = d < axis ? index[d] : d == axis ? picked : index[d - 1 + indices.Dims.Length];
                offset += coordinate * dataStrides[d];
            }

            values[flat] = data.Values[offset];
        }

        return data with { Dims = outDims, Values = values };
    }

    private static OnnxConstant FoldUnsqueeze(OnnxConstant data, long[] axes)
    {
        var rank = data.Dims.Length + axes.Length;
        var set = axes.Select(a => a < 0 ? a + rank : a).ToHashSet();
        var dims = new List<long>();
        var next = 0;
        for (var i = 0; i < rank; i++)
        {
            dims.Add(set.Contains(i) ? 1 : data.Dims[next++]);
        }

        return data with { Dims = [.. dims] };
    }

    private static OnnxConstant FoldSqueeze(OnnxConstant data, long[]? axes)
    {
        var set = axes?.Select(a => a < 0 ? a + data.Dims.Length : a).ToHashSet();
        return data with { Dims = [.. data.Dims.Where((d, i) => set is null ? d != 1 : !set.Contains(i))] };
    }

    private OnnxConstant FoldConcat(OnnxConstant[] parts, long axisAttr)
    {
        var axis = NormalizeAxis(axisAttr, parts[0].Dims.Length);
        var dims = (long[])parts[0].Dims.Clone();
        dims[axis] = parts.Sum(p => p.Dims[axis]);
        var outer = TensorMath.Count(dims[..axis]);
        var values = new List<double>();
        for (var o = 0L; o < outer; o++)
        {
            foreach (var part in parts)
            {
                var block = TensorMath.Count(part.Dims[axis..]);
                values.AddRange(part.Values.Skip((int)(o * block)).Take((int)block));
            }
        }

        return new OnnxConstant(dims, [.. values], parts.All(p => p.IsFloat));
    }

    private static OnnxConstant FoldCast(OnnxConstant data, long to)
    {
        var isFloat = to is (long)TensorProto.Types.DataType.Float or (long)TensorProto.Types.DataType.Double or (long)TensorProto.Types.DataType.Float16;
        return data with { Values = [.. data.Values.Select(v => isFloat ? (double)(float)v : Math.Truncate(v))], IsFloat = isFloat };
    }

    private static OnnxConstant FoldSlice(OnnxConstant data, long[] starts, long[] ends, long[]? axes, long[]? steps)
    {
        var rank = data.Dims.Length;
        var begin = new long[rank];
        var step = Enumerable.Repeat(1L, rank).ToArray();
        var outDims = (long[])data.Dims.Clone();
        for (var j = 0; j < starts.Length; j++)
        {
            var axis = (int)(axes is null ? j : axes[j] < 0 ? axes[j] + rank : axes[j]);
            var dim = data.Dims[axis];
            var s = steps is null ? 1 : steps[j];
            var lo = starts[j] < 0 ? starts[j] + dim : starts[j];
            var hi = ends[j] < 0 ? ends[j] + dim : ends[j];
            if (s > 0)
            {
                lo = Math.Clamp(lo, 0, dim);
                hi = Math.Clamp(hi, 0, dim);
                outDims[axis] = Math.Max(0, (hi - lo + s - 1) / s);
            }
            else
            {
                lo = Math.Clamp(lo, -1, dim - 1);
                hi = Math.Clamp(hi, -1, dim - 1);
                outDims[axis] = Math.Max(0, (lo - hi + (-s) - 1) / (-s));
            }

            begin[axis] = lo;
            step[axis] = s;
        }

        var strides = TensorMath.Strides(data.Dims);
        var values = new double[TensorMath.Count(outDims)];
        for (var flat = 0L; flat < values.Length; flat++)
        {
            var index = TensorMath.Unravel(flat, outDims);
            var offset = 0L;
            for (var d = 0; d < rank; d++)
            {
                offset += (begin[d] + (index[d] * step[d])) * strides[d];
            }

            values[flat] = data.Values[offset];
        }

        return data with { Dims = outDims, Values = values };
    }

    private OnnxConstant FoldBinary(OnnxConstant left, OnnxConstant right, Func<double, double, double> f)
    {
        var dims = TensorMath.Broadcast(left.Dims, right.Dims) ?? throw Fail($"shapes {TensorMath.Format(left.Dims)} and {TensorMath.Format(right.Dims)} do not broadcast.");
        var values = new double[TensorMath.Count(dims)];
        for (var flat = 0L; flat < values.Length; flat++)
        {
            var index = TensorMath.Unravel(flat, dims);
            values[flat] = f(left.Values[TensorMath.BroadcastOffset(index, left.Dims)], right.Values[TensorMath.BroadcastOffset(index, right.Dims)]);
        }

        var isFloat = left.IsFloat || right.IsFloat;
        return new OnnxConstant(dims, isFloat ? [.. values.Select(v => (double)(float)v)] : values, isFloat);
    }

    private OnnxConstant ConstantValue()
    {
        var attr = _node.Attribute.FirstOrDefault() ?? throw Fail("Constant has no value attribute.");
        return attr.Name switch
        {
            "value" => ReadTensor(attr.T, $"Constant '{_name}'"),
            "value_float" => new OnnxConstant([], [attr.F], IsFloat: true),
            "value_floats" => new OnnxConstant([attr.Floats.Count], [.. attr.Floats.Select(v => (double)v)], IsFloat: true),
            "value_int" => OnnxConstant.Ints([], [attr.I]),
            "value_ints" => OnnxConstant.Ints([attr.Ints.Count], attr.Ints),
            _ => throw Fail($"Constant attribute '{attr.Name}' is not supported (value, value_float(s), value_int(s) are)."),
        };
    }

    private OnnxConstant ReadTensor(TensorProto tensor, string what)
    {
        if (tensor.DataLocation == TensorProto.Types.DataLocation.External)
        {
            throw Fail($"{what} keeps its data in an external file, which is not supported; re-save the model with all tensors embedded " +
                "(onnx.save_model(model, path, save_as_external_data=False)).");
        }

        var dims = tensor.Dims.ToArray();
        var count = TensorMath.Count(dims);
        var raw = tensor.RawData.Span;
        var type = (TensorProto.Types.DataType)tensor.DataType;
        double[] values;
        bool isFloat;
        switch (type)
        {
            case TensorProto.Types.DataType.Float:
                isFloat = true;
                values = raw.Length > 0
                    ? [.. Enumerable.Range(0, raw.Length / 4).Select(i => (double)BinaryPrimitives.ReadSingleLittleEndian(tensor.RawData.Span[(i * 4)..]))]
                    : [.. tensor.FloatData.Select(v => (double)v)];
                break;
            case TensorProto.Types.DataType.Double:
                isFloat = true;
                values = raw.Length > 0
                    ? [.. Enumerable.Range(0, raw.Length / 8).Select(i => (double)(float)BinaryPrimitives.ReadDoubleLittleEndian(tensor.RawData.Span[(i * 8)..]))]
                    : [.. tensor.DoubleData.Select(v => (double)(float)v)];
                break;
            case TensorProto.Types.DataType.Int64:
                isFloat = false;
                values = raw.Length > 0
                    ? [.. Enumerable.Range(0, raw.Length / 8).Select(i => (double)BinaryPrimitives.ReadInt64LittleEndian(tensor.RawData.Span[(i * 8)..]))]
                    : [.. tensor.Int64Data.Select(v => (double)v)];
                break;
            case TensorProto.Types.DataType.Int32:
                isFloat = false;
                values = raw.Length > 0
                    ? [.. Enumerable.Range(0, raw.Length / 4).Select(i => (double)BinaryPrimitives.ReadInt32LittleEndian(tensor.RawData.Span[(i * 4)..]))]
                    : [.. tensor.Int32Data.Select(v => (double)v)];
                break;
            default:
                throw Fail($"{what} is {DataTypeName(tensor.DataType)}; only float32 (weights) and int32/int64 (shapes) tensors are supported. Convert the model to float32.");
        }

        if (values.Length != count)
        {
            throw Fail($"{what} holds {values.Length} values for shape {TensorMath.Format(dims)} ({count} expected); the file may be truncated or corrupt.");
        }

        return new OnnxConstant(dims, values, isFloat);
    }

    private static string DataTypeName(int type) =>
        Enum.IsDefined((TensorProto.Types.DataType)type) ? ((TensorProto.Types.DataType)type).ToString().ToLowerInvariant() : $"data type {type}";

    // ------------------------------------------------------------------ helpers

    private string In(int i) => i < _node.Input.Count ? Resolve(_node.Input[i]) : "";

    private string Out() => _node.Output.Count > 0 && _node.Output[0].Length > 0 ? _node.Output[0] : throw Fail("the node has no output.");

    private string Resolve(string name)
    {
        while (_alias.TryGetValue(name, out var to))
        {
            name = to;
        }

        return name;
    }

    private long[] ShapeOf(string value)
    {
        if (_shapes.TryGetValue(value, out var shape))
        {
            return shape;
        }

        if (_constants.TryGetValue(value, out var c))
        {
            return c.Dims;
        }

        throw Fail(_producedLater.Contains(value)
            ? $"input '{value}' is produced by a later node; the graph is not topologically sorted (run onnx.utils / onnxsim to fix it)."
            : $"input '{value}' is missing: it is neither a graph input, an initializer nor produced by a node. The model is incomplete (missing initializer?); re-export it.");
    }

    /// <summary>An input computed at run time (not a constant).</summary>
    private string Activation(int i)
    {
        var name = In(i);
        if (name.Length == 0)
        {
            throw Fail($"input {i} is missing.");
        }

        _ = ShapeOf(name);
        return _constants.ContainsKey(name)
            ? throw Fail($"input '{name}' is a constant; constant-only computations other than shape arithmetic are not supported (fold them, e.g. with onnxsim).")
            : name;
    }

    private OnnxConstant Const(int i, string what)
    {
        var name = In(i);
        if (name.Length == 0)
        {
            throw Fail($"the {what} input is missing.");
        }

        if (_constants.TryGetValue(name, out var c))
        {
            return c;
        }

        _ = ShapeOf(name);
        throw Fail($"the {what} input '{name}' is computed at run time; it must be an initializer or a constant-foldable expression.");
    }

    private OnnxConstant Weight(int i, string what)
    {
        var c = Const(i, what);
        return c.IsFloat ? c : throw Fail($"the {what} '{In(i)}' is an integer tensor; weights must be float32.");
    }

    private long[] Rank4(string value)
    {
        var shape = ShapeOf(value);
        return shape.Length == 4 ? shape : throw Fail($"needs a 4-D NCHW input, but '{value}' has shape {TensorMath.Format(shape)}.");
    }

    private int NormalizeAxis(long axis, int rank)
    {
        var a = axis < 0 ? axis + rank : axis;
        return a >= 0 && a < rank ? (int)a : throw Fail($"axis {axis} is outside rank {rank}.");
    }

    private long Extent(long extent) => extent > 0 ? extent : throw Fail($"the window does not fit its input (output extent {extent}).");

    private AttributeProto? Attr(string name) => _node.Attribute.FirstOrDefault(a => a.Name == name);

    private long AttrInt(string name, long fallback) => Attr(name) is { } a ? a.I : fallback;

    private float AttrFloat(string name, float fallback) => Attr(name) is { } a ? a.F : fallback;

    private long[]? AttrInts(string name) => Attr(name) is { } a ? [.. a.Ints] : null;

    private string AttrString(string name, string fallback) => Attr(name) is { } a ? a.S.ToStringUtf8() : fallback;

    private Window2d Window(long[] xs, int kh, int kw, bool allowDilation)
    {
        var strides = AttrInts("strides") ?? [1, 1];
        var dilations = (allowDilation ? AttrInts("dilations") : null) ?? [1, 1];
        if (strides.Length != 2 || dilations.Length != 2)
        {
            throw Fail("strides and dilations must have 2 values (2-D windows only).");
        }

        var autoPad = AttrString("auto_pad", "NOTSET");
        long[] pads;
        switch (autoPad)
        {
            case "NOTSET":
                // ONNX pads are [x1_begin, x2_begin, x1_end, x2_end]: already top, left, bottom, right.
                pads = AttrInts("pads") ?? [0, 0, 0, 0];
                if (pads.Length != 4)
                {
                    throw Fail($"pads {TensorMath.Format(pads)} must have 4 values.");
                }

                break;
            case "VALID":
                pads = [0, 0, 0, 0];
                break;
            case "SAME_UPPER" or "SAME_LOWER":
                var (th, tw) = (SamePad(xs[2], kh, strides[0], dilations[0]), SamePad(xs[3], kw, strides[1], dilations[1]));
                pads = autoPad == "SAME_UPPER"
                    ? [th / 2, tw / 2, th - (th / 2), tw - (tw / 2)]
                    : [th - (th / 2), tw - (tw / 2), th / 2, tw / 2];
                break;
            default:
                throw Fail($"auto_pad '{autoPad}' is not one of NOTSET, VALID, SAME_UPPER, SAME_LOWER.");
        }

        return new Window2d(kh, kw, (int)strides[0], (int)strides[1], (int)pads[0], (int)pads[1], (int)pads[2], (int)pads[3], (int)dilations[0], (int)dilations[1]);
    }

    private static long SamePad(long input, long kernel, long stride, long dilation)
    {
        var output = (input + stride - 1) / stride;
        return Math.Max(0, ((output - 1) * stride) + ((kernel - 1) * dilation) + 1 - input);
    }

    private static void SetWindow(Node node, Window2d window)
    {
        node.Kernel.Add([window.KernelH, window.KernelW]);
        node.Strides.Add([window.StrideH, window.StrideW]);
        node.Pads.Add([window.PadTop, window.PadLeft, window.PadBottom, window.PadRight]);
    }

    /// <summary>The Conv/FC node producing <paramref name="value"/> when this node is its only reader (so it may be rewritten).</summary>
    private Node? FusableProducer(string value) =>
        _producer.TryGetValue(value, out var p) && p.Op is OpType.Conv or OpType.FullyConnected && _uses.GetValueOrDefault(value) == 1 && p.Output == value
            ? p
            : null;

    private void Rename(Node producer, string output)
    {
        _producer.Remove(producer.Output);
        var shape = _shapes[producer.Output];
        _shapes.Remove(producer.Output);
        producer.Output = output;
        _producer[output] = producer;
        _shapes[output] = shape;
        _valueNames.Add(output);
    }

    private Node Emit(OpType op, string output, long[] shape, params string[] inputs)
    {
        CheckSize($"output '{output}'", shape);
        var node = new Node { Name = _name, Op = op, Output = output };
        node.Inputs.Add(inputs);
        _graph.Nodes.Add(node);
        _producer[output] = node;
        _shapes[output] = shape;
        _valueNames.Add(output);
        return node;
    }

    private string AddWeight(string name, long[] dims, float[] data)
    {
        var unique = name;
        for (var n = 2; _weights.ContainsKey(unique); n++)
        {
            unique = $"{name}_{n}";
        }

        _weights[unique] = (dims, data);
        _weightOrder.Add(unique);
        return unique;
    }

    private string UniqueNodeName(string name)
    {
        var unique = name;
        for (var n = 2; !_nodeNames.Add(unique); n++)
        {
            unique = $"{name}_{n}";
        }

        return unique;
    }

    private string UniqueValueName(string name)
    {
        var all = _onnx.Node.SelectMany(n => n.Output).Concat(_onnx.Initializer.Select(i => i.Name)).ToHashSet(StringComparer.Ordinal);
        var unique = name;
        for (var n = 2; all.Contains(unique) || _valueNames.Contains(unique); n++)
        {
            unique = $"{name}_{n}";
        }

        return unique;
    }
}
