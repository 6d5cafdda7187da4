using System.Globalization;
using System.Runtime.InteropServices;
using Dsx.Model;
using Dsx.Wire;
using Google.Protobuf;

namespace Dsx.Search;

/// <summary>
/// The inputs the accuracy guard runs the reference and the quantised plan on, and optionally their true classes.
/// <para>
/// Default (<see cref="Seeded"/>): N inputs drawn uniformly from [-1, 1] (the executor's own input distribution)
/// with a seeded generator, so every run of the guard sees the same inputs. They differ from the executor's INT8
/// calibration inputs, so the guard judges on inputs the quantisation ranges were not fitted to.
/// </para>
/// <para>
/// A folder (<see cref="FromFolder"/>), for single-input models: every <c>*.npy</c> file in it (not in subfolders),
/// taken in ordinal file-name order, is one input: a float32 C-order array of exactly the model input's shape.
/// Optional <c>labels.txt</c> beside them: one integer class per example (per batch row of each input, in file order),
/// one per line; blank lines and lines starting with <c>#</c> are ignored.
/// </para>
/// </summary>
public sealed class CalibrationSet
{
    public const string LabelsFile = "labels.txt";

    private readonly IReadOnlyList<int>? _labelLines;

    private CalibrationSet(string description, IReadOnlyList<IReadOnlyList<Tensor>> inputs, IReadOnlyList<int>? labels, IReadOnlyList<int>? labelLines, string? labelsPath)
    {
        Description = description;
        Inputs = inputs;
        Labels = labels;
        _labelLines = labelLines;
        LabelsPath = labelsPath;
    }

    /// <summary>What the set is, for reports: "8 seeded inputs (seed 1)" or the folder.</summary>
    public string Description { get; }

    /// <summary>Per calibration input, one tensor per graph input (named as the graph input).</summary>
    public IReadOnlyList<IReadOnlyList<Tensor>> Inputs { get; }

    /// <summary>The true class of each example, or null without labels.</summary>
    public IReadOnlyList<int>? Labels { get; }

    public string? LabelsPath { get; }

    public static CalibrationSet Seeded(IReadOnlyList<ValueInfo> graphInputs, int count, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(graphInputs);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        var random = new SplitMix64(seed);
        var inputs = new List<IReadOnlyList<Tensor>>();
        for (var k = 0; k < count; k++)
        {
            inputs.Add([.. graphInputs.Select(input =>
            {
                var values = new float[input.Shape.Aggregate(1L, (a, b) => a * b)];
                for (var i = 0; i < values.Length; i++)
                {
                    values[i] = (float)((2 * random.NextDouble()) - 1);
                }

                return ToTensor(input.Name, input.Shape, values);
            })]);
        }

        return new CalibrationSet(string.Create(CultureInfo.InvariantCulture, $"{count} seeded inputs (seed {seed})"), inputs, null, null, null);
    }

    /// <exception cref="InvalidDataException">The folder is missing or empty, a file is not a float32 array of the input's shape, or the labels are malformed.</exception>
    public static CalibrationSet FromFolder(string folder, IReadOnlyList<ValueInfo> graphInputs)
    {
        ArgumentNullException.ThrowIfNull(folder);
        ArgumentNullException.ThrowIfNull(graphInputs);
        if (!Directory.Exists(folder))
        {
            throw new InvalidDataException($"{folder}: the calibration folder does not exist");
        }

        if (graphInputs.Count != 1)
        {
            throw new InvalidDataException(
                $"{folder}: a calibration folder feeds single-input models; this model has {graphInputs.Count} inputs (use the seeded set)");
        }

        if (File.Exists(Path.Combine(folder, "labels.npy")))
        {
            throw new InvalidDataException($"{folder}: labels.npy is not read; write the classes to {LabelsFile}, one integer per line");
        }

        var input = graphInputs[0];
        var files = Directory.GetFiles(folder, "*.npy").Order(StringComparer.Ordinal).ToList();
        if (files.Count == 0)
        {
            throw new InvalidDataException($"{folder}: no .npy inputs in the calibration folder (expected float32 arrays of shape [{string.Join('x', input.Shape)}])");
        }

        // NpyFile names the file and what is wrong (dtype, order, shape against the model input).
        var inputs = files.Select(f => (IReadOnlyList<Tensor>)[NpyFile.Read(f, input.Name, input.Shape)]).ToList();
        var labelsPath = Path.Combine(folder, LabelsFile);
        if (!File.Exists(labelsPath))
        {
            return new CalibrationSet($"{files.Count} inputs from {folder}", inputs, null, null, null);
        }

        var examples = files.Count * (input.Shape.Count <= 1 ? 1 : (int)input.Shape[0]);
        var (labels, lines) = ReadLabels(labelsPath);
        if (labels.Count != examples)
        {
            throw new InvalidDataException($"{labelsPath}: {labels.Count} labels for {examples} examples ({files.Count} .npy inputs); give one class per example");
        }

        return new CalibrationSet($"{files.Count} labelled inputs from {folder}", inputs, labels, lines, labelsPath);
    }

    /// <summary>Checks the labels against the model's number of classes (known once an output was seen).</summary>
    /// <exception cref="InvalidDataException">A label is not a class of the model's output.</exception>
    public void CheckLabels(int classes)
    {
        if (Labels is null)
        {
            return;
        }

        for (var i = 0; i < Labels.Count; i++)
        {
            if (Labels[i] >= classes)
            {
                throw new InvalidDataException(string.Create(
                    CultureInfo.InvariantCulture, $"{LabelsPath}:{_labelLines![i]}: class {Labels[i]}, but the model's output has {classes} classes (0..{classes - 1})"));
            }
        }
    }

    private static (List<int> Labels, List<int> Lines) ReadLabels(string path)
    {
        string[] text;
        try
        {
            text = File.ReadAllLines(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidDataException($"{path}: cannot read the file: {e.Message}", e);
        }

        var labels = new List<int>();
        var lines = new List<int>();
        for (var i = 0; i < text.Length; i++)
        {
            var line = text[i].Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            if (!int.TryParse(line, NumberStyles.None, CultureInfo.InvariantCulture, out var label))
            {
                throw new InvalidDataException($"{path}:{i + 1}: '{line}' is not a class (a non-negative integer)");
            }

            labels.Add(label);
            lines.Add(i + 1);
        }

        return (labels, lines);
    }

    private static Tensor ToTensor(string name, IEnumerable<long> shape, float[] values)
    {
        var tensor = new Tensor { Name = name, FloatData = ByteString.CopyFrom(MemoryMarshal.AsBytes(values.AsSpan())) };
        tensor.Dims.Add(shape);
        return tensor;
    }
}
