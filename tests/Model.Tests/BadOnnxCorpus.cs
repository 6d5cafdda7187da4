using System.Text;
using Dsx.Model.Onnx.Proto;
using Google.Protobuf;

namespace Dsx.Model.Tests;

/// <summary>
/// Writes the committed corpus of bad ONNX files under tests/Model.Tests/BadOnnx (regenerate with
/// DSX_REGENERATE_BAD_ONNX=1 dotnet test --filter BadOnnx). Each entry: file name, bytes, distinctive message text.
/// </summary>
internal static class BadOnnxCorpus
{
    public static IReadOnlyList<(string File, byte[] Bytes)> Files()
    {
        var good = Small("good").Build().ToByteArray();
        return
        [
            ("truncated.onnx", good[..(good.Length / 2)]),
            ("not_onnx.onnx", Encoding.UTF8.GetBytes("This is a text file, not an ONNX model.\nIt was renamed to .onnx by mistake.\n")),
            ("unsupported_op.onnx", UnsupportedOp().Build().ToByteArray()),
            ("dynamic_input.onnx", Small("dynamic_input", "N").Build().ToByteArray()),
            ("missing_initializer.onnx", MissingInitializer().Build().ToByteArray()),
            ("int64_input.onnx", Int64Input().Build().ToByteArray()),
        ];
    }

    /// <summary>input (batch, 3, 8, 8) -> Conv 3x3 -> Relu -> GlobalAveragePool.</summary>
    public static OnnxTestModel Small(string name, object? batch = null)
    {
        var m = new OnnxTestModel(name).Input("input", batch ?? 1L, 3L, 8L, 8L).Output("y");
        m.Node("Conv", ["input", m.Floats("w", [4, 3, 3, 3]), m.Floats("b", [4])], "c", OnnxTestModel.Ints("pads", 1, 1, 1, 1));
        m.Node("Relu", ["c"], "r");
        m.Node("GlobalAveragePool", ["r"], "y");
        return m;
    }

    private static OnnxTestModel UnsupportedOp()
    {
        var m = new OnnxTestModel("unsupported_op").Input("input", 1L, 3L, 8L, 8L).Output("y");
        m.Node("Relu", ["input"], "r");
        var einsum = m.Node("Einsum", ["r", "r"], "y");
        einsum.Name = "my_einsum";
        einsum.Attribute.Add(new AttributeProto { Name = "equation", Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8("nchw,nchw->nchw") });
        return m;
    }

    private static OnnxTestModel MissingInitializer()
    {
        var m = new OnnxTestModel("missing_initializer").Input("input", 1L, 3L, 8L, 8L).Output("y");
        var conv = m.Node("Conv", ["input", "conv.weight_not_saved"], "y");
        conv.Name = "conv1";
        return m;
    }

    private static OnnxTestModel Int64Input()
    {
        var m = new OnnxTestModel("int64_input").TypedInput("tokens", TensorProto.Types.DataType.Int64, 1L, 16L).Output("y");
        m.Node("Identity", ["tokens"], "y");
        return m;
    }
}
