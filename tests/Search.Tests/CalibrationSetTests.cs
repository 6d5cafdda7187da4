using System.Runtime.InteropServices;
using Dsx.Model;
using Dsx.Wire;
using Google.Protobuf;

namespace Dsx.Search.Tests;

public sealed class CalibrationSetTests : IDisposable
{
    private static readonly ValueInfo Input = new() { Name = "input", Shape = { 1, 2, 2 } };

    private readonly string _folder = Directory.CreateTempSubdirectory("dsx-calibration-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void The_seeded_set_is_deterministic_in_the_input_range()
    {
        var a = CalibrationSet.Seeded([Input], 8, 3);
        var b = CalibrationSet.Seeded([Input], 8, 3);

        Assert.Equal(8, a.Inputs.Count);
        Assert.Equal(a.Inputs[5][0].FloatData, b.Inputs[5][0].FloatData);
        Assert.NotEqual(a.Inputs[0][0].FloatData, a.Inputs[1][0].FloatData);
        Assert.All(MemoryMarshal.Cast<byte, float>(a.Inputs[0][0].FloatData.Span).ToArray(), v => Assert.InRange(v, -1f, 1f));
        Assert.Null(a.Labels);
    }

    [Fact]
    public void A_folder_is_read_in_file_name_order_with_its_labels()
    {
        Write("b.npy", [1, 2, 2], 2);
        Write("a.npy", [1, 2, 2], 1);
        File.WriteAllLines(Path.Combine(_folder, "labels.txt"), ["# classes", "3", "", "0"]);

        var set = CalibrationSet.FromFolder(_folder, [Input]);

        Assert.Equal(1f, MemoryMarshal.Cast<byte, float>(set.Inputs[0][0].FloatData.Span)[0]);
        Assert.Equal([3, 0], set.Labels);
        set.CheckLabels(4);
        var e = Assert.Throws<InvalidDataException>(() => set.CheckLabels(3));
        Assert.EndsWith("labels.txt:2: class 3, but the model's output has 3 classes (0..2)", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_wrong_shape_names_the_file()
    {
        Write("a.npy", [1, 4], 1);

        var e = Assert.Throws<InvalidDataException>(() => CalibrationSet.FromFolder(_folder, [Input]));

        Assert.Contains("a.npy", e.Message, StringComparison.Ordinal);
        Assert.Contains("does not match the model input 'input'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Bad_labels_and_empty_folders_are_refused_clearly()
    {
        Assert.Contains("no .npy inputs", Assert.Throws<InvalidDataException>(() => CalibrationSet.FromFolder(_folder, [Input])).Message, StringComparison.Ordinal);

        Write("a.npy", [1, 2, 2], 1);
        File.WriteAllLines(Path.Combine(_folder, "labels.txt"), ["cat"]);
        Assert.EndsWith("labels.txt:1: 'cat' is not a class (a non-negative integer)",
            Assert.Throws<InvalidDataException>(() => CalibrationSet.FromFolder(_folder, [Input])).Message, StringComparison.Ordinal);

        File.WriteAllLines(Path.Combine(_folder, "labels.txt"), ["1", "2"]);
        Assert.Contains("2 labels for 1 examples",
            Assert.Throws<InvalidDataException>(() => CalibrationSet.FromFolder(_folder, [Input])).Message, StringComparison.Ordinal);
    }

    private void Write(string name, long[] shape, float value)
    {
        var values = Enumerable.Repeat(value, (int)shape.Aggregate(1L, (a, b) => a * b)).ToArray();
        var tensor = new Tensor { Name = "x", FloatData = ByteString.CopyFrom(MemoryMarshal.AsBytes(values.AsSpan())) };
        tensor.Dims.Add(shape);
        NpyFile.Write(Path.Combine(_folder, name), tensor);
    }
}
