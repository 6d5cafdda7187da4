using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Dsx.Wire;
using Google.Protobuf;

namespace Dsx.Model;

/// <summary>
/// NumPy <c>.npy</c> files holding one float32 array in C order, as <see cref="Tensor"/>s. Anything else
/// (another dtype, Fortran order, a truncated file, a shape other than the expected one) is an
/// <see cref="InvalidDataException"/> whose message names the file and what is wrong.
/// </summary>
public static partial class NpyFile
{
    private static readonly byte[] Magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    /// <param name="name">The tensor name to give the array (e.g. the graph input it feeds).</param>
    /// <param name="expectedShape">When given, the array must have exactly this shape.</param>
    public static Tensor Read(string path, string name, IReadOnlyList<long>? expectedShape = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(name);
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidDataException($"{path}: cannot read the file: {e.Message}", e);
        }

        var (shape, dataOffset) = ReadHeader(bytes, path);
        var count = shape.Aggregate(1L, (a, d) => a * d);
        var dataBytes = bytes.Length - dataOffset;
        if (dataBytes != count * sizeof(float))
        {
            throw Bad(path, $"shape {FormatShape(shape)} needs {count * sizeof(float)} bytes of float32 data, the file holds {dataBytes}");
        }

        if (expectedShape is not null && !shape.SequenceEqual(expectedShape))
        {
            throw Bad(path, $"shape {FormatShape(shape)} does not match the model input '{name}' of shape {FormatShape(expectedShape)}");
        }

        var tensor = new Tensor { Name = name, FloatData = ByteString.CopyFrom(bytes, dataOffset, dataBytes) };
        tensor.Dims.Add(shape);
        return tensor;
    }

    /// <summary>Writes a float32 C-order <c>.npy</c> (format version 1.0).</summary>
    public static void Write(string path, Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(tensor);
        var count = tensor.Dims.Aggregate(1L, (a, d) => a * d);
        if (tensor.FloatData.Length != count * sizeof(float))
        {
            throw new ArgumentException(
                $"Tensor '{tensor.Name}' of shape {FormatShape(tensor.Dims)} holds {tensor.FloatData.Length} bytes, not {count * sizeof(float)}.", nameof(tensor));
        }

        var shape = tensor.Dims.Count switch
        {
            0 => "()",
            1 => $"({tensor.Dims[0].ToString(CultureInfo.InvariantCulture)},)",
            _ => $"({string.Join(", ", tensor.Dims.Select(d => d.ToString(CultureInfo.InvariantCulture)))})",
        };
        var header = $"{{'descr': '<f4', 'fortran_order': False, 'shape': {shape}, }}";
        // Magic + version + 2-byte length + header + '\n', padded with spaces to a multiple of 64.
        var unpadded = Magic.Length + 2 + 2 + header.Length + 1;
        header = header.PadRight(header.Length + ((64 - (unpadded % 64)) % 64)) + "\n";
        using var stream = File.Create(path);
        stream.Write(Magic);
        stream.Write([1, 0]);
        Span<byte> length = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(length, (ushort)header.Length);
        stream.Write(length);
        stream.Write(Encoding.ASCII.GetBytes(header));
        tensor.FloatData.WriteTo(stream);
    }

    private static (long[] Shape, int DataOffset) ReadHeader(byte[] bytes, string path)
    {
        if (bytes.Length < Magic.Length + 4 || !bytes.AsSpan(0, Magic.Length).SequenceEqual(Magic))
        {
            throw Bad(path, "not a NumPy .npy file (no \\x93NUMPY magic)");
        }

        var major = bytes[6];
        int headerLength, headerStart;
        switch (major)
        {
            case 1:
                headerLength = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(8));
                headerStart = 10;
                break;
            case 2 or 3 when bytes.Length >= 12:
                headerLength = checked((int)BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(8)));
                headerStart = 12;
                break;
            default:
                throw Bad(path, $"unsupported .npy format version {major}.{bytes[7]}");
        }

        if (headerStart + headerLength > bytes.Length)
        {
            throw Bad(path, "the file ends inside its header");
        }

        var header = Encoding.Latin1.GetString(bytes, headerStart, headerLength);
        var descr = DescrField().Match(header);
        if (!descr.Success)
        {
            throw Bad(path, $"header has no dtype ('descr'): {header.Trim()}");
        }

        var dtype = descr.Groups[1].Value;
        if (dtype is not ("<f4" or "=f4" or "f4") || (dtype == "=f4" && !BitConverter.IsLittleEndian))
        {
            throw Bad(path, $"dtype is '{dtype}', expected float32 ('<f4'); convert with array.astype(numpy.float32)");
        }

        var fortran = FortranField().Match(header);
        if (fortran.Success && fortran.Groups[1].Value == "True")
        {
            throw Bad(path, "the array is in Fortran order; save a C-order array (numpy.ascontiguousarray)");
        }

        var shapeMatch = ShapeField().Match(header);
        if (!shapeMatch.Success)
        {
            throw Bad(path, $"header has no shape: {header.Trim()}");
        }

        var shape = new List<long>();
        foreach (var part in shapeMatch.Groups[1].Value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (!long.TryParse(part.TrimEnd('L'), NumberStyles.None, CultureInfo.InvariantCulture, out var dim))
            {
                throw Bad(path, $"unreadable shape ({shapeMatch.Groups[1].Value})");
            }

            shape.Add(dim);
        }

        return ([.. shape], headerStart + headerLength);
    }

    private static InvalidDataException Bad(string path, string what) => new($"{path}: {what}");

    private static string FormatShape(IEnumerable<long> shape) => $"[{string.Join('x', shape)}]";

    [GeneratedRegex(@"['""]descr['""]\s*:\s*['""]([^'""]*)['""]")]
    private static partial Regex DescrField();

    [GeneratedRegex(@"['""]fortran_order['""]\s*:\s*(True|False)")]
    private static partial Regex FortranField();

    [GeneratedRegex(@"['""]shape['""]\s*:\s*\(([^)]*)\)")]
    private static partial Regex ShapeField();
}
