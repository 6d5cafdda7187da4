using System.Globalization;
using Dsx.Model;
using Dsx.Wire;

namespace Dsx.Cli;

/// <summary>The MODEL argument of the verbs: zoo:NAME or an ONNX file (with optional --input-shape NAME=1x3x224x224).</summary>
internal static class ModelSource
{
    private const string ZooPrefix = "zoo:";

    public static Graph Load(string model, IReadOnlyList<string> inputShapes)
    {
        if (model.StartsWith(ZooPrefix, StringComparison.Ordinal))
        {
            var name = model[ZooPrefix.Length..];
            if (!ModelZoo.Names.Contains(name))
            {
                throw new UsageException($"unknown zoo model '{name}'; known models: {string.Join(", ", ModelZoo.Names)}.");
            }

            if (inputShapes.Count > 0)
            {
                throw new UsageException("--input-shape applies to ONNX models only; zoo models have fixed shapes.");
            }

            return ModelZoo.Build(name);
        }

        if (!File.Exists(model))
        {
            throw new UsageException($"model '{model}' is neither zoo:NAME nor an existing ONNX file.");
        }

        var shapes = ParseInputShapes(inputShapes);
        return ImportOnnx(model, shapes);
    }

    private static Graph ImportOnnx(string path, IReadOnlyDictionary<string, long[]>? shapes)
    {
        try
        {
            return OnnxImporter.Import(path, shapes);
        }
        catch (OnnxImportException e)
        {
            // A model we cannot import is a failure of the run, not of the command line.
            throw new ModelImportException(e.Message, e);
        }
    }

    /// <summary>NAME=1x3x224x224, repeatable; null when none was given.</summary>
    internal static IReadOnlyDictionary<string, long[]>? ParseInputShapes(IReadOnlyList<string> values)
    {
        if (values.Count == 0)
        {
            return null;
        }

        var shapes = new Dictionary<string, long[]>(StringComparer.Ordinal);
        foreach (var value in values)
        {
            var equals = value.LastIndexOf('=');
            var name = equals > 0 ? value[..equals] : "";
            var dims = equals > 0 ? value[(equals + 1)..].Split('x') : [];
            var parsed = dims.Select(d => long.TryParse(d, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : -1).ToArray();
            if (name.Length == 0 || parsed.Length == 0 || parsed.Any(d => d < 1))
            {
                throw new UsageException($"--input-shape '{value}' is not NAME=DIMxDIMx... with positive dimensions (e.g. input=1x3x224x224).");
            }

            if (!shapes.TryAdd(name, parsed))
            {
                throw new UsageException($"--input-shape gives input '{name}' twice.");
            }
        }

        return shapes;
    }
}
