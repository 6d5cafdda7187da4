namespace Dsx.Model.Tests;

public sealed class OnnxImportErrorTests
{
    // Found from the test binary upwards, not from [CallerFilePath]: CI builds map source paths to "/_/".
    private static string CorpusDir()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Dsx.sln")))
            {
                return Path.Combine(dir.FullName, "tests", "Model.Tests", "BadOnnx");
            }
        }

        throw new DirectoryNotFoundException($"no Dsx.sln above {AppContext.BaseDirectory}");
    }

    [Fact]
    public void Committed_bad_onnx_corpus_matches_its_generator()
    {
        var regenerate = Environment.GetEnvironmentVariable("DSX_REGENERATE_BAD_ONNX") == "1";
        foreach (var (file, bytes) in BadOnnxCorpus.Files())
        {
            var path = Path.Combine(CorpusDir(), file);
            if (regenerate)
            {
                File.WriteAllBytes(path, bytes);
            }

            Assert.True(File.Exists(path), $"{path} is missing; regenerate with DSX_REGENERATE_BAD_ONNX=1.");
            Assert.Equal(bytes, File.ReadAllBytes(path));
        }
    }

    [Theory]
    [InlineData("truncated.onnx", "is not an ONNX model")]
    [InlineData("not_onnx.onnx", "is not an ONNX model")]
    [InlineData("unsupported_op.onnx", "unsupported op type 'Einsum'")]
    [InlineData("dynamic_input.onnx", "--input-shape input=1x3x8x8")]
    [InlineData("missing_initializer.onnx", "'conv.weight_not_saved' is missing")]
    [InlineData("int64_input.onnx", "'tokens' is int64, not float32")]
    public void Bad_files_are_rejected_with_a_specific_message(string file, string expected)
    {
        var path = Path.Combine(CorpusDir(), file);
        var ex = Assert.Throws<OnnxImportException>(() => OnnxImporter.Import(path));
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
        Assert.StartsWith(path, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unsupported_op_names_the_node_and_lists_the_supported_ops()
    {
        var ex = Assert.Throws<OnnxImportException>(() => OnnxImporter.Import(Path.Combine(CorpusDir(), "unsupported_op.onnx")));
        Assert.Equal("'my_einsum' (Einsum, #1)", ex.Node);
        Assert.Contains("Supported op types: Add, AveragePool, BatchNormalization", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_initializer_names_the_node()
    {
        var ex = Assert.Throws<OnnxImportException>(() => OnnxImporter.Import(Path.Combine(CorpusDir(), "missing_initializer.onnx")));
        Assert.Equal("'conv1' (Conv, #0)", ex.Node);
    }

    [Fact]
    public void Dynamic_input_is_accepted_with_a_given_shape()
    {
        var graph = OnnxImporter.Import(Path.Combine(CorpusDir(), "dynamic_input.onnx"), new Dictionary<string, long[]> { ["input"] = [2, 3, 8, 8] });
        Assert.Equal(new long[] { 2, 3, 8, 8 }, graph.Inputs.Single().Shape);
        Assert.Equal(new long[] { 2, 4, 1, 1 }, graph.Outputs.Single().Shape);
    }

    [Theory]
    [InlineData(10)]
    [InlineData(18)]
    public void Unsupported_opsets_are_refused(int opset)
    {
        var model = BadOnnxCorpus.Small("x").Build();
        model.OpsetImport[0].Version = opset;
        var ex = Assert.Throws<OnnxImportException>(() => OnnxImporter.Import(model, "x.onnx"));
        Assert.Contains($"uses opset {opset}", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BatchNormalization_not_after_a_conv_is_refused()
    {
        var m = new OnnxTestModel("bn").Input("input", 1L, 3L, 4L, 4L).Output("y");
        m.Node("Relu", ["input"], "r");
        m.Node("BatchNormalization", ["r", m.Floats("s", [3]), m.Floats("b", [3]), m.Floats("m", [3]), m.Floats("v", [3], 0.5f, 1f)], "y");
        var ex = Assert.Throws<OnnxImportException>(() => OnnxImporter.Import(m.Build(), "bn.onnx"));
        Assert.Contains("only supported directly after a Conv", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Ceil_mode_that_changes_the_size_is_refused_and_accepted_when_it_does_not()
    {
        OnnxTestModel Pool(long size)
        {
            var m = new OnnxTestModel("pool").Input("input", 1L, 3L, size, size).Output("y");
            m.Node("MaxPool", ["input"], "y", OnnxTestModel.Ints("kernel_shape", 2, 2), OnnxTestModel.Ints("strides", 2, 2), OnnxTestModel.Int("ceil_mode", 1));
            return m;
        }

        var ex = Assert.Throws<OnnxImportException>(() => OnnxImporter.Import(Pool(7).Build(), "pool.onnx"));
        Assert.Contains("ceil_mode=1", ex.Message, StringComparison.Ordinal);
        Assert.Equal(new long[] { 1, 3, 4, 4 }, OnnxImporter.Import(Pool(8).Build(), "pool.onnx").Outputs.Single().Shape);
    }
}
