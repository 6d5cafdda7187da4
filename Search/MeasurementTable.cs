using System.Text.Json;
using System.Text.Json.Serialization;
using Dsx.Wire;

namespace Dsx.Search;

/// <summary>
/// What is known of one board kind for one model: each layer x choice's compute time, each layer's input
/// conversion from the formats its producers chose, each choice's memory, whole-network measurements, and the choices
/// that failed on the board kind (crashed or were refused in their layer), which no search of the kind proposes again.
/// Measurements are merged in as they come; the table is saved as JSON (<see cref="FormatName"/>) and carries the
/// search space, so it can be replayed without the model or a board.
/// </summary>
public sealed class MeasurementTable
{
    public const string FormatName = "dsx-measurement-table/1";

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = false,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    private readonly Dictionary<string, TimingStat>[] _compute;
    private readonly Dictionary<string, TimingStat>[] _conversion;
    private readonly Dictionary<string, LayerMemory>[] _memory;
    private readonly Dictionary<string, string>[] _failing;
    private readonly List<EndToEndRecord> _endToEnd = [];

    public MeasurementTable(SearchSpace space, BoardDescription board)
    {
        ArgumentNullException.ThrowIfNull(space);
        ArgumentNullException.ThrowIfNull(board);
        Space = space;
        Board = board;
        _compute = NewMaps<TimingStat>(space.Layers.Count);
        _conversion = NewMaps<TimingStat>(space.Layers.Count);
        _memory = NewMaps<LayerMemory>(space.Layers.Count);
        _failing = NewMaps<string>(space.Layers.Count);
    }

    public SearchSpace Space { get; }

    public BoardDescription Board { get; }

    /// <summary>Whole-network measurements, oldest first.</summary>
    public IReadOnlyList<EndToEndRecord> EndToEnd => _endToEnd;

    /// <summary>How many plans were measured into this table.</summary>
    public int Measurements { get; private set; }

    public TimingStat? Compute(int layer, int choice) =>
        _compute[layer].GetValueOrDefault(Space.Layers[layer].Choices[choice].Key);

    /// <summary>The layer's input conversion when its inputs arrive in <paramref name="from"/> and it runs in <paramref name="to"/>.</summary>
    public TimingStat? Conversion(int layer, IReadOnlyList<TensorFormat> from, TensorFormat to) =>
        _conversion[layer].GetValueOrDefault(ConversionKey(from, to));

    /// <summary>Every recorded conversion of a layer, by key (<see cref="ConversionKey"/>).</summary>
    public IReadOnlyDictionary<string, TimingStat> Conversions(int layer) => _conversion[layer];

    public LayerMemory? Memory(int layer, int choice) =>
        _memory[layer].GetValueOrDefault(Space.Layers[layer].Choices[choice].Key);

    /// <summary>Why the choice failed on this board kind, or null when it never did.</summary>
    public string? Failure(int layer, int choice) =>
        _failing[layer].GetValueOrDefault(Space.Layers[layer].Choices[choice].Key);

    /// <summary>
    /// Marks a layer's choice as failing on this board kind (the executor crashed in it or refused it, naming the layer):
    /// a deterministic fault of the choice, not of one board, so it is never measured again.
    /// </summary>
    /// <returns>False when it was already marked.</returns>
    public bool MarkFailing(int layer, int choice, string detail)
    {
        ArgumentNullException.ThrowIfNull(detail);
        return _failing[layer].TryAdd(Space.Layers[layer].Choices[choice].Key, detail);
    }

    /// <summary>The first layer whose choice under <paramref name="plan"/> is marked failing, or null.</summary>
    public int? FailingLayer(CandidatePlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var layer = Space.Layers.FirstOrDefault(l => Failure(l.Index, plan[l.Index]) is not null);
        return layer?.Index;
    }

    /// <summary>Every failing choice as <see cref="SearchSpace.ChoiceId"/> (what <see cref="SearchSpace.Without"/> takes).</summary>
    public IReadOnlyList<string> FailingChoices() =>
        [.. Space.Layers.SelectMany(l => _failing[l.Index].Keys.Order(StringComparer.Ordinal).Select(key => SearchSpace.ChoiceId(l.Name, key)))];

    /// <summary>Whether layer <paramref name="layer"/> of a plan converts anything: an input in another format, or a graph output not in NCHW FP32.</summary>
    public static bool NeedsConversion(SearchLayer layer, IReadOnlyList<TensorFormat> from, TensorFormat to)
    {
        ArgumentNullException.ThrowIfNull(layer);
        ArgumentNullException.ThrowIfNull(from);
        return from.Any(f => f != to) || (layer.IsGraphOutput && to != TensorFormat.Plain);
    }

    /// <summary><c>NCHW/FP32+NHWC/FP32&gt;NHWC/FP32</c>: the input formats in input order, then the layer's own.</summary>
    public static string ConversionKey(IReadOnlyList<TensorFormat> from, TensorFormat to)
    {
        ArgumentNullException.ThrowIfNull(from);
        return string.Join('+', from) + ">" + to;
    }

    /// <summary>Share of (layer, choice) pairs with a compute time.</summary>
    public double ComputeCoverage
    {
        get
        {
            var total = Space.Layers.Sum(l => l.Choices.Count);
            var known = Space.Layers.Sum(l => l.Choices.Count(c => _compute[l.Index].ContainsKey(c.Key)));
            return total == 0 ? 1 : (double)known / total;
        }
    }

    /// <summary>
    /// Whether every layer's compute under the plan, and every conversion the plan makes, is known well enough
    /// (<paramref name="policy"/>) that the additive model may answer for the plan instead of the board.
    /// </summary>
    public bool Trusts(CandidatePlan plan, TrustPolicy policy, long nowUnixMs)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(policy);
        for (var i = 0; i < Space.Layers.Count; i++)
        {
            if (Compute(i, plan[i]) is not { } compute || !compute.IsTrusted(policy, nowUnixMs))
            {
                return false;
            }

            var from = Space.InputFormats(plan, i);
            var to = Space.Choice(plan, i).Format;
            if (NeedsConversion(Space.Layers[i], from, to) && (Conversion(i, from, to) is not { } conversion || !conversion.IsTrusted(policy, nowUnixMs)))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Merges one successful measurement of <paramref name="plan"/>.</summary>
    public void Record(CandidatePlan plan, MeasureReply reply, double? predictedMs, long unixMs)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(reply);
        if (reply.Layers.Count != Space.Layers.Count)
        {
            throw new ArgumentException($"the measurement has {reply.Layers.Count} layers, the table's network {Space.Layers.Count}", nameof(reply));
        }

        for (var i = 0; i < Space.Layers.Count; i++)
        {
            var layer = Space.Layers[i];
            var timing = reply.Layers[i];
            if (timing.Name != layer.Name)
            {
                throw new ArgumentException($"measured layer {i} is '{timing.Name}', the table's is '{layer.Name}'", nameof(reply));
            }

            var choice = Space.Choice(plan, i);
            Add(_compute[i], choice.Key, timing.Compute, unixMs);
            var from = Space.InputFormats(plan, i);
            if (NeedsConversion(layer, from, choice.Format))
            {
                Add(_conversion[i], ConversionKey(from, choice.Format), timing.Conversion, unixMs);
            }

            _memory[i][choice.Key] = new LayerMemory(timing.WeightsBytes, timing.WorkspaceBytes, timing.OutputBytes);
        }

        if (reply.EndToEnd is { } e2e)
        {
            _endToEnd.Add(new EndToEndRecord(
                plan.ToString(), e2e.MinMs, e2e.MedianMs, e2e.MaxMs, reply.Memory?.PeakBytes ?? 0, reply.Memory?.PeakRssBytes ?? 0, double.IsFinite(predictedMs ?? double.NaN) ? predictedMs : null, unixMs));
        }

        Measurements++;
    }

    /// <summary>Adds an entry directly (used when building tables by hand, e.g. in tests and the simulator).</summary>
    public void SetCompute(int layer, int choice, TimingStat stat) => _compute[layer][Space.Layers[layer].Choices[choice].Key] = stat;

    public void SetConversion(int layer, IReadOnlyList<TensorFormat> from, TensorFormat to, TimingStat stat) =>
        _conversion[layer][ConversionKey(from, to)] = stat;

    public void SetMemory(int layer, int choice, LayerMemory memory) => _memory[layer][Space.Layers[layer].Choices[choice].Key] = memory;

    public void Save(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(directory);
        // Write beside and rename: a crash mid-write leaves the old table, never half of a new one.
        var temporary = Path.Combine(directory, $".{Path.GetFileName(path)}.{Environment.ProcessId}.tmp");
        File.WriteAllText(temporary, ToJson());
        File.Move(temporary, path, overwrite: true);
    }

    public string ToJson()
    {
        var document = new TableDocument
        {
            Format = FormatName,
            Model = Space.Model,
            Board = Board,
            Measurements = Measurements,
            Layers = [.. Space.Layers.Select(l => new LayerDocument
            {
                Name = l.Name,
                Op = l.Op.ToString(),
                Flops = l.Flops,
                OutputShape = [.. l.OutputShape],
                Inputs = [.. l.Inputs],
                InputElements = [.. l.InputElements],
                IsGraphOutput = l.IsGraphOutput,
                Choices = [.. l.Choices.Select(c => c.Key)],
                Compute = _compute[l.Index],
                Conversion = _conversion[l.Index],
                Memory = _memory[l.Index],
                Failing = _failing[l.Index].Count == 0 ? null : _failing[l.Index],
            })],
            EndToEnd = _endToEnd,
        };
        return JsonSerializer.Serialize(document, Json);
    }

    /// <exception cref="MeasurementTableFormatException">The file is missing, unreadable or not a measurement table.</exception>
    public static MeasurementTable Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new MeasurementTableFormatException(path, $"cannot read the file: {e.Message}", e);
        }

        return Parse(text, path);
    }

    public static MeasurementTable Parse(string json, string source = "<table>")
    {
        TableDocument? document;
        try
        {
            document = JsonSerializer.Deserialize<TableDocument>(json, Json);
        }
        catch (JsonException e)
        {
            throw new MeasurementTableFormatException(source, $"not a valid table (line {e.LineNumber + 1}): {e.Message}", e);
        }

        if (document?.Format != FormatName)
        {
            throw new MeasurementTableFormatException(source, $"not a measurement table: expected \"format\": \"{FormatName}\"");
        }

        try
        {
            var layers = document.Layers.Select((l, i) => new SearchLayer(
                i,
                l.Name,
                Enum.Parse<OpType>(l.Op),
                l.Flops,
                l.OutputShape,
                l.Inputs,
                l.InputElements,
                l.IsGraphOutput,
                [.. l.Choices.Select(LayerChoice.ParseKey)])).ToList();
            var table = new MeasurementTable(new SearchSpace(document.Model, layers), document.Board ?? new BoardDescription("unknown", "", false, "", 1))
            {
                Measurements = document.Measurements,
            };
            for (var i = 0; i < layers.Count; i++)
            {
                Copy(document.Layers[i].Compute, table._compute[i]);
                Copy(document.Layers[i].Conversion, table._conversion[i]);
                Copy(document.Layers[i].Memory, table._memory[i]);
                Copy(document.Layers[i].Failing, table._failing[i]);
            }

            table._endToEnd.AddRange(document.EndToEnd ?? []);
            return table;
        }
        catch (Exception e) when (e is FormatException or ArgumentException)
        {
            throw new MeasurementTableFormatException(source, e.Message, e);
        }
    }

    private static void Add(Dictionary<string, TimingStat> map, string key, Timing? timing, long unixMs)
    {
        if (timing is null)
        {
            return;
        }

        if (!map.TryGetValue(key, out var stat))
        {
            map[key] = stat = new TimingStat();
        }

        stat.Add(timing.MinMs, timing.MedianMs, timing.MaxMs, unixMs);
    }

    private static void Copy<T>(Dictionary<string, T>? from, Dictionary<string, T> to)
    {
        foreach (var (key, value) in from ?? [])
        {
            to[key] = value;
        }
    }

    private static Dictionary<string, T>[] NewMaps<T>(int count) =>
        [.. Enumerable.Range(0, count).Select(_ => new Dictionary<string, T>(StringComparer.Ordinal))];

    private sealed class TableDocument
    {
        public string Format { get; set; } = "";

        public string Model { get; set; } = "";

        public BoardDescription? Board { get; set; }

        public int Measurements { get; set; }

        public List<LayerDocument> Layers { get; set; } = [];

        public List<EndToEndRecord>? EndToEnd { get; set; }
    }

    private sealed class LayerDocument
    {
        public string Name { get; set; } = "";

        public string Op { get; set; } = "";

        public double Flops { get; set; }

        public List<long> OutputShape { get; set; } = [];

        public List<int> Inputs { get; set; } = [];

        public List<long> InputElements { get; set; } = [];

        public bool IsGraphOutput { get; set; }

        public List<string> Choices { get; set; } = [];

        public Dictionary<string, TimingStat>? Compute { get; set; }

        public Dictionary<string, TimingStat>? Conversion { get; set; }

        public Dictionary<string, LayerMemory>? Memory { get; set; }

        /// <summary>Choice key to why it failed on the board kind.</summary>
        public Dictionary<string, string>? Failing { get; set; }
    }
}
