using Dsx.Model.Onnx.Proto;

namespace Dsx.Model.Tests;

/// <summary>Builds small ONNX models in code with the generated classes, so every test model can be read in the source.</summary>
internal sealed class OnnxTestModel
{
    private readonly GraphProto _graph;
    private readonly int _opset;
    private int _seed = 1;

    public OnnxTestModel(string name, int opset = 13)
    {
        _graph = new GraphProto { Name = name };
        _opset = opset;
    }

    public GraphProto Graph => _graph;

    public OnnxTestModel Input(string name, params object[] dims) => AddValue(_graph.Input, name, TensorProto.Types.DataType.Float, dims);

    public OnnxTestModel TypedInput(string name, TensorProto.Types.DataType type, params object[] dims) => AddValue(_graph.Input, name, type, dims);

    public OnnxTestModel Output(string name) => AddValue(_graph.Output, name, TensorProto.Types.DataType.Float, []);

    /// <summary>A float initializer with seeded values in [lo, hi).</summary>
    public string Floats(string name, long[] dims, float lo = -0.5f, float hi = 0.5f)
    {
        var random = new Random(_seed++);
        var count = dims.Aggregate(1L, (a, d) => a * d);
        var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float, Dims = { dims } };
        tensor.FloatData.Add(Enumerable.Range(0, (int)count).Select(_ => lo + ((hi - lo) * (float)random.NextDouble())));
        _graph.Initializer.Add(tensor);
        return name;
    }

    public string Scalar(string name, float value)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float };
        tensor.FloatData.Add(value);
        _graph.Initializer.Add(tensor);
        return name;
    }

    public string Int64s(string name, params long[] values)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Int64, Dims = { values.Length } };
        tensor.Int64Data.Add(values);
        _graph.Initializer.Add(tensor);
        return name;
    }

    public NodeProto Node(string op, string[] inputs, string output, params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = op, Name = "", Input = { inputs }, Output = { output }, Attribute = { attributes } };
        _graph.Node.Add(node);
        return node;
    }

    public static AttributeProto Int(string name, long value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    public static AttributeProto Float(string name, float value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };

    public static AttributeProto Ints(string name, params long[] values) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Ints, Ints = { values } };

    public ModelProto Build() => new()
    {
        IrVersion = 8,
        ProducerName = "dsx-tests",
        Graph = _graph,
        OpsetImport = { new OperatorSetIdProto { Domain = "", Version = _opset } },
    };

    private OnnxTestModel AddValue(Google.Protobuf.Collections.RepeatedField<ValueInfoProto> list, string name, TensorProto.Types.DataType type, object[] dims)
    {
        var tensor = new TypeProto.Types.Tensor { ElemType = (int)type };
        if (dims.Length > 0)
        {
            tensor.Shape = new TensorShapeProto
            {
                Dim = { dims.Select(d => d is string p ? new TensorShapeProto.Types.Dimension { DimParam = p } : new TensorShapeProto.Types.Dimension { DimValue = Convert.ToInt64(d, System.Globalization.CultureInfo.InvariantCulture) }) },
            };
        }

        list.Add(new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = tensor } });
        return this;
    }
}
