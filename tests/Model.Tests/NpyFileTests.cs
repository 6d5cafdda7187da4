using System.Text;
using Dsx.Model;
using Dsx.Wire;
using Google.Protobuf;

namespace Dsx.Model.Tests;

public sealed class NpyFileTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("dsx-npy-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void A_written_tensor_reads_back_identically()
    {
        var values = Enumerable.Range(0, 24).Select(i => i * 0.5f - 3f).ToArray();
        var tensor = new Tensor { Name = "x", Dims = { 1, 2, 3, 4 }, FloatData = ByteString.CopyFrom(MemoryMarshalBytes(values)) };
        var path = Path.Combine(_folder, "x.npy");

        NpyFile.Write(path, tensor);
        var read = NpyFile.Read(path, "input", [1, 2, 3, 4]);

        Assert.Equal("input", read.Name);
        Assert.Equal(tensor.Dims, read.Dims);
        Assert.Equal(tensor.FloatData, read.FloatData);
        // The header is padded so that the data starts on a 64-byte boundary, as NumPy writes it.
        Assert.Equal(0, (new FileInfo(path).Length - 24 * sizeof(float)) % 64);
        Assert.Contains("'descr': '<f4', 'fortran_order': False, 'shape': (1, 2, 3, 4), }", Encoding.ASCII.GetString(File.ReadAllBytes(path)), StringComparison.Ordinal);
    }

    [Fact]
    public void A_one_dimensional_array_has_the_tuple_comma()
    {
        var path = Path.Combine(_folder, "v.npy");
        NpyFile.Write(path, new Tensor { Dims = { 3 }, FloatData = ByteString.CopyFrom(new byte[12]) });

        Assert.Contains("'shape': (3,)", Encoding.ASCII.GetString(File.ReadAllBytes(path)), StringComparison.Ordinal);
        Assert.Equal([3L], NpyFile.Read(path, "v").Dims);
    }

    [Fact]
    public void Another_dtype_is_refused_naming_file_and_dtype()
    {
        var path = WriteRaw("d.npy", "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", new byte[16]);

        var error = Assert.Throws<InvalidDataException>(() => NpyFile.Read(path, "x"));

        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Contains("'<f8'", error.Message, StringComparison.Ordinal);
        Assert.Contains("float32", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_shape_other_than_the_model_input_is_refused_with_both_shapes()
    {
        var path = Path.Combine(_folder, "s.npy");
        NpyFile.Write(path, new Tensor { Dims = { 1, 3, 8, 8 }, FloatData = ByteString.CopyFrom(new byte[3 * 8 * 8 * 4]) });

        var error = Assert.Throws<InvalidDataException>(() => NpyFile.Read(path, "input", [1, 3, 224, 224]));

        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Contains("[1x3x8x8]", error.Message, StringComparison.Ordinal);
        Assert.Contains("'input' of shape [1x3x224x224]", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Fortran_order_truncated_data_and_non_npy_files_are_refused()
    {
        var fortran = WriteRaw("f.npy", "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }", new byte[16]);
        var truncated = WriteRaw("t.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }", new byte[10]);
        var text = Path.Combine(_folder, "x.txt");
        File.WriteAllText(text, "1 2 3");

        Assert.Contains("Fortran", Assert.Throws<InvalidDataException>(() => NpyFile.Read(fortran, "x")).Message, StringComparison.Ordinal);
        Assert.Contains("holds 10", Assert.Throws<InvalidDataException>(() => NpyFile.Read(truncated, "x")).Message, StringComparison.Ordinal);
        Assert.Contains("not a NumPy", Assert.Throws<InvalidDataException>(() => NpyFile.Read(text, "x")).Message, StringComparison.Ordinal);
        Assert.Contains("cannot read", Assert.Throws<InvalidDataException>(() => NpyFile.Read(Path.Combine(_folder, "missing.npy"), "x")).Message, StringComparison.Ordinal);
    }

    private string WriteRaw(string fileName, string header, byte[] data)
    {
        var path = Path.Combine(_folder, fileName);
        var headerBytes = Encoding.ASCII.GetBytes(header + "\n");
        using var stream = File.Create(path);
        stream.Write([0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0, (byte)headerBytes.Length, 0]);
        stream.Write(headerBytes);
        stream.Write(data);
        return path;
    }

    private static byte[] MemoryMarshalBytes(float[] values)
    {
        var bytes = new byte[values.Length * sizeof(float)];
        Buffer.BlockCopy(values, 0, bytes, 0, bytes.Length);
        return bytes;
    }
}
