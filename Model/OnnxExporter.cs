using System.Buffers.Binary;
using Dsx.Model.Onnx;
using Dsx.Model.Onnx.Proto;
using Dsx.Wire;
using Google.Protobuf;

namespace Dsx.Model;

/// <summary>
/// Writes an executor graph as a standard ONNX model (fused activations become separate Relu/Clip nodes,
/// FULLY_CONNECTED a Gemm with transB=1), so zoo models can be run by ONNX tools and re-imported unchanged.
/// </summary>
public static class OnnxExporter
{
    private const int FloatType = (int)TensorProto.Types.DataType.Float;

    public static ModelProto Export(Graph graph, int opset = 13)
    {
        ArgumentNullException.ThrowIfNull(graph);
        // HardSwish only exists from opset 14; lifting the opset beats decomposing it.
        if (graph.Nodes.Any(n => n.Op == OpType.HardSwish))
        {
            opset = Math.Max(opset, 14);
        }

        if (opset is < OnnxGraphImporter.MinOpset or > OnnxGraphImporter.MaxOpset)
        {
            throw new ArgumentOutOfRangeException(nameof(opset), $"Opset {opset} is outside the supported {OnnxGraphImporter.MinOpset} to {OnnxGraphImporter.MaxOpset}.");
        }

        var shapes = graph.Inputs.ToDictionary(i => i.Name, i => i.Shape.ToArray(), StringComparer.Ordinal);
        var onnx = new GraphProto { Name = graph.Name };
        foreach (var input in graph.Inputs)
        {
            onnx.Input.Add(ValueInfoOf(input.Name, input.Shape));
        }

        foreach (var tensor in graph.Initializers)
        {
            onnx.Initializer.Add(new TensorProto { Name = tensor.Name, DataType = FloatType, RawData = tensor.FloatData, Dims = { tensor.Dims } });
        }

        foreach (var node in graph.Nodes)
        {
            shapes[node.Output] = ExportNode(graph, node, onnx, shapes, opset);
        }

        foreach (var output in graph.Outputs)
        {
            onnx.Output.Add(ValueInfoOf(output.Name, output.Shape));
        }

        return new ModelProto
        {
            IrVersion = 8,
            ProducerName = "dsx",
            Graph = onnx,
            OpsetImport = { new OperatorSetIdProto { Domain = "", Version = opset } },
        };
    }

    /// <summary>Adds the ONNX nodes for one executor node; returns the shape of its output.</summary>
    private static long[] ExportNode(Graph graph, Node node, GraphProto onnx, Dictionary<string, long[]> shapes, int opset)
    {
        var x = node.Inputs.Count > 0 ? shapes[node.Inputs[0]] : [];
        switch (node.Op)
        {
            case OpType.Conv:
            {
                var w = graph.Initializers.Single(t => t.Name == node.Weight).Dims;
                var window = new Window2d(node.Kernel[0], node.Kernel[1], node.Strides[0], node.Strides[1], node.Pads[0], node.Pads[1], node.Pads[2], node.Pads[3],
                    node.Dilations.Count > 0 ? node.Dilations[0] : 1, node.Dilations.Count > 0 ? node.Dilations[1] : 1);
                var conv = Add(onnx, "Conv", node.Name, PreActivation(node), WeightInputs(node));
                conv.Attribute.Add(Ints("kernel_shape", node.Kernel));
                conv.Attribute.Add(Ints("strides", node.Strides));
                conv.Attribute.Add(Ints("pads", node.Pads));
                conv.Attribute.Add(Ints("dilations", [window.DilationH, window.DilationW]));
                conv.Attribute.Add(Int("group", Math.Max(1, node.Group)));
                ExportEpilogue(node, onnx, opset);
                return [x[0], w[0], window.OutputHeight(x[2]), window.OutputWidth(x[3])];
            }

            case OpType.FullyConnected:
            {
                var w = graph.Initializers.Single(t => t.Name == node.Weight).Dims;
                var inputs = WeightInputs(node);
                if (x.Length != 2)
                {
                    // The executor flattens the input itself; ONNX's Gemm wants it done explicitly.
                    var flat = $"{node.Name}_flatten_out";
                    Add(onnx, "Flatten", $"{node.Name}_flatten", flat, node.Inputs[0]).Attribute.Add(Int("axis", 1));
                    inputs[0] = flat;
                }

                Add(onnx, "Gemm", node.Name, PreActivation(node), inputs).Attribute.Add(Int("transB", 1));
                ExportEpilogue(node, onnx, opset);
                return [x[0], w[0]];
            }

            case OpType.MaxPool or OpType.AveragePool:
            {
                var window = new Window2d(node.Kernel[0], node.Kernel[1], node.Strides[0], node.Strides[1], node.Pads[0], node.Pads[1], node.Pads[2], node.Pads[3]);
                var pool = Add(onnx, node.Op == OpType.MaxPool ? "MaxPool" : "AveragePool", node.Name, node.Output, node.Inputs[0]);
                pool.Attribute.Add(Ints("kernel_shape", node.Kernel));
                pool.Attribute.Add(Ints("strides", node.Strides));
                pool.Attribute.Add(Ints("pads", node.Pads));
                if (node.Op == OpType.AveragePool)
                {
                    pool.Attribute.Add(Int("count_include_pad", node.CountIncludePad ? 1 : 0));
                }

                return [x[0], x[1], window.OutputHeight(x[2]), window.OutputWidth(x[3])];
            }

            case OpType.GlobalAveragePool:
                Add(onnx, "GlobalAveragePool", node.Name, node.Output, node.Inputs[0]);
                return [x[0], x[1], 1, 1];
            case OpType.Relu:
                Add(onnx, "Relu", node.Name, node.Output, node.Inputs[0]);
                return x;
            case OpType.Clip:
                AddClip(onnx, node.Name, node.Output, node.Inputs[0], node.ActMin, node.ActMax, opset);
                return x;
            case OpType.Sigmoid:
                Add(onnx, "Sigmoid", node.Name, node.Output, node.Inputs[0]);
                return x;
            case OpType.HardSigmoid:
                var hs = Add(onnx, "HardSigmoid", node.Name, node.Output, node.Inputs[0]);
                hs.Attribute.Add(Float("alpha", node.Alpha));
                hs.Attribute.Add(Float("beta", node.Beta));
                return x;
            case OpType.HardSwish:
                Add(onnx, "HardSwish", node.Name, node.Output, node.Inputs[0]);
                return x;
            case OpType.Add or OpType.Mul:
                Add(onnx, node.Op == OpType.Add ? "Add" : "Mul", node.Name, node.Output, [.. node.Inputs]);
                return TensorMath.Broadcast(x, shapes[node.Inputs[1]]) ?? throw new ArgumentException($"Node '{node.Name}': inputs do not broadcast.", nameof(graph));
            case OpType.Concat:
            {
                Add(onnx, "Concat", node.Name, node.Output, [.. node.Inputs]).Attribute.Add(Int("axis", node.Axis));
                var shape = (long[])x.Clone();
                shape[node.Axis] = node.Inputs.Sum(i => shapes[i][node.Axis]);
                return shape;
            }

            case OpType.Flatten:
                Add(onnx, "Flatten", node.Name, node.Output, node.Inputs[0]).Attribute.Add(Int("axis", node.Axis));
                return [TensorMath.Count(x[..node.Axis]), TensorMath.Count(x[node.Axis..])];
            case OpType.Reshape:
            {
                var shapeName = $"{node.Name}.shape";
                var tensor = new TensorProto { Name = shapeName, DataType = (int)TensorProto.Types.DataType.Int64, Dims = { node.Shape.Count } };
                tensor.Int64Data.Add(node.Shape);
                onnx.Initializer.Add(tensor);
                Add(onnx, "Reshape", node.Name, node.Output, node.Inputs[0], shapeName);
                return [.. node.Shape];
            }

            case OpType.Transpose:
                Add(onnx, "Transpose", node.Name, node.Output, node.Inputs[0]).Attribute.Add(Ints("perm", node.Perm));
                return [.. node.Perm.Select(p => x[p])];
            case OpType.Softmax:
                if (opset < 13 && node.Axis != x.Length - 1)
                {
                    throw new ArgumentException($"Node '{node.Name}': a softmax over axis {node.Axis} needs opset 13 or later.", nameof(opset));
                }

                Add(onnx, "Softmax", node.Name, node.Output, node.Inputs[0]).Attribute.Add(Int("axis", node.Axis));
                return x;
            default:
                throw new ArgumentException($"Node '{node.Name}': op {node.Op} has no ONNX export.", nameof(graph));
        }
    }

    private static string[] WeightInputs(Node node) => node.Bias.Length > 0 ? [node.Inputs[0], node.Weight, node.Bias] : [node.Inputs[0], node.Weight];

    private static string PreActivation(Node node) => node.Activation == FusedActivation.FusedNone ? node.Output : $"{node.Output}_preact";

    private static void ExportEpilogue(Node node, GraphProto onnx, int opset)
    {
        switch (node.Activation)
        {
            case FusedActivation.FusedRelu:
                Add(onnx, "Relu", $"{node.Name}_relu", node.Output, PreActivation(node));
                break;
            case FusedActivation.FusedClip:
                AddClip(onnx, $"{node.Name}_clip", node.Output, PreActivation(node), node.ActMin, node.ActMax, opset);
                break;
            default:
                break;
        }
    }

    private static void AddClip(GraphProto onnx, string name, string output, string input, float min, float max, int opset)
    {
        _ = opset;  // Always opset >= 11 here: bounds are inputs, not attributes.
        string Bound(string which, float value)
        {
            var tensorName = $"{name}.{which}";
            var bytes = new byte[sizeof(float)];
            BinaryPrimitives.WriteSingleLittleEndian(bytes, value);
            onnx.Initializer.Add(new TensorProto { Name = tensorName, DataType = FloatType, RawData = ByteString.CopyFrom(bytes) });
            return tensorName;
        }

        Add(onnx, "Clip", name, output, input,
            float.IsNegativeInfinity(min) ? "" : Bound("min", min),
            float.IsPositiveInfinity(max) ? "" : Bound("max", max));
    }

    private static NodeProto Add(GraphProto onnx, string opType, string name, string output, params string[] inputs)
    {
        var node = new NodeProto { OpType = opType, Name = name, Output = { output } };
        // Trailing optional inputs are dropped rather than written as "".
        var count = inputs.Length;
        while (count > 0 && inputs[count - 1].Length == 0)
        {
            count--;
        }

        node.Input.Add(inputs.Take(count));
        onnx.Node.Add(node);
        return node;
    }

    private static AttributeProto Int(string name, long value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    private static AttributeProto Float(string name, float value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };

    private static AttributeProto Ints(string name, IEnumerable<int> values) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Ints, Ints = { values.Select(v => (long)v) } };

    private static ValueInfoProto ValueInfoOf(string name, IEnumerable<long> shape) => new()
    {
        Name = name,
        Type = new TypeProto
        {
            TensorType = new TypeProto.Types.Tensor
            {
                ElemType = FloatType,
                Shape = new TensorShapeProto { Dim = { shape.Select(d => new TensorShapeProto.Types.Dimension { DimValue = d }) } },
            },
        },
    };
}
