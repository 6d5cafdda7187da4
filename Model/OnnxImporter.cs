using Dsx.Model.Onnx;
using Dsx.Model.Onnx.Proto;
using Dsx.Wire;
using Google.Protobuf;

namespace Dsx.Model;

/// <summary>
/// Imports an ONNX model (opsets 11 to 17, float32 CNNs) into the executor IR. Every failure is an
/// <see cref="OnnxImportException"/> naming the file, the node and the fix.
/// </summary>
public static class OnnxImporter
{
    /// <summary>The ONNX op types the importer accepts (some only inside foldable shape sub-graphs).</summary>
    public static IReadOnlyList<string> SupportedOps => OnnxGraphImporter.SupportedOps;

    /// <param name="path">The .onnx file.</param>
    /// <param name="inputShapes">Fixed shapes for graph inputs, overriding (dynamic) declared ones, e.g. from --input-shape.</param>
    public static Graph Import(string path, IReadOnlyDictionary<string, long[]>? inputShapes = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new OnnxImportException(path, null, $"cannot be read: {ex.Message}", ex);
        }

        ModelProto model;
        try
        {
            model = ModelProto.Parser.ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException ex)
        {
            throw new OnnxImportException(path, null, $"is not an ONNX model (it does not parse as an ONNX protobuf: {ex.Message}). Is the file truncated or of another format?", ex);
        }

        return OnnxGraphImporter.Import(model, path, inputShapes);
    }

    /// <summary>Imports an already parsed model; <paramref name="source"/> names it in error messages.</summary>
    public static Graph Import(ModelProto model, string source, IReadOnlyDictionary<string, long[]>? inputShapes = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(source);
        return OnnxGraphImporter.Import(model, source, inputShapes);
    }
}
