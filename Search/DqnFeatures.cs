using Dsx.Wire;

namespace Dsx.Search;

/// <summary>
/// The feature row of one (state, action) pair that <see cref="DqnStrategy"/>'s network scores. Nothing in it names a
/// layer or a model, so weights learned on one network and board apply to another: the layer is described by its
/// op, shapes, FLOPs and position; the state by the formats its inputs arrive in; the action by its primitive,
/// layout, precision and threads; the board by its cores and kind. Sizes enter as scaled logs so a row stays near [0, 1].
/// </summary>
internal sealed class DqnFeatures
{
    /// <summary>Primitives with a slot of their own; any other falls in one shared slot after them.</summary>
    private static readonly string[] PrimitiveVocabulary =
        ["ref", "im2col_blas", "gemm_neon", "winograd_neon", "direct_neon", "xnnpack", "onednn", "int8_gemm_neon", "int8_direct_neon", "neon", "blas"];

    private const int ShapeDims = 4;
    private const int BoardKindBuckets = 4;
    private static readonly OpType[] Ops = Enum.GetValues<OpType>();
    private static readonly Layout[] Layouts = [Layout.Nchw, Layout.Nhwc, Layout.Nchw8C];
    private static readonly Precision[] Precisions = [Precision.Fp32, Precision.Int8];

    // Layer part: op, output dims, input elements, input count, FLOPs, position, graph output, board cores and kind.
    private static readonly int LayerWidth = Ops.Length + ShapeDims + 5 + 1 + 1 + BoardKindBuckets;

    // State part: the inputs' layouts and precisions (shares over the inputs), and the share that are graph inputs.
    private static readonly int StateWidth = Layouts.Length + Precisions.Length + 1;

    // Action part: primitive (+ other), layout, precision, threads (share of cores, log), and what it converts.
    private static readonly int ActionWidth = PrimitiveVocabulary.Length + 1 + Layouts.Length + Precisions.Length + 2 + 2;

    private readonly SearchSpace _space;
    private readonly float[][] _layer;
    private readonly float[][][] _action;

    public DqnFeatures(SearchSpace space, BoardDescription? board)
    {
        _space = space;
        var cores = Math.Max(1, board?.Cores ?? 1);
        _layer = [.. space.Layers.Select(l => LayerRow(l, space.Layers.Count, cores, board?.Kind ?? "unknown"))];
        _action = [.. space.Layers.Select(l => l.Choices.Select(c => ActionRow(c, cores)).ToArray())];
    }

    public static int Width { get; } = LayerWidth + StateWidth + ActionWidth;

    /// <summary>Writes the rows of every choice of <paramref name="layer"/> under <paramref name="plan"/>'s earlier choices into <paramref name="rows"/> from <paramref name="offset"/>.</summary>
    public void WriteAllChoices(int layer, IReadOnlyList<int> plan, float[] rows, int offset)
    {
        for (var c = 0; c < _space.Layers[layer].Choices.Count; c++)
        {
            Write(layer, plan, c, rows, offset + (c * Width));
        }
    }

    /// <summary>Writes the row of <paramref name="choice"/> at <paramref name="layer"/>, whose inputs come from <paramref name="plan"/>'s earlier choices.</summary>
    public void Write(int layer, IReadOnlyList<int> plan, int choice, float[] rows, int offset)
    {
        var l = _space.Layers[layer];
        var row = rows.AsSpan(offset, Width);
        row.Clear();
        _layer[layer].CopyTo(row);
        var state = row.Slice(LayerWidth, StateWidth);
        var action = row[(LayerWidth + StateWidth)..];
        _action[layer][choice].CopyTo(action);
        var to = l.Choices[choice].Format;
        var converted = 0;
        foreach (var producer in l.Inputs)
        {
            var from = producer == SearchLayer.GraphInput ? TensorFormat.Plain : _space.Layers[producer].Choices[plan[producer]].Format;
            var share = 1f / l.Inputs.Count;
            state[Array.IndexOf(Layouts, from.Layout)] += share;
            state[Layouts.Length + Array.IndexOf(Precisions, from.Precision)] += share;
            if (producer == SearchLayer.GraphInput)
            {
                state[^1] += share;
            }

            if (from != to)
            {
                converted++;
            }
        }

        action[^2] = l.Inputs.Count == 0 ? 0 : (float)converted / l.Inputs.Count;
        action[^1] = l.IsGraphOutput && to != TensorFormat.Plain ? 1 : 0;
    }

    private static float[] LayerRow(SearchLayer layer, int layers, int cores, string boardKind)
    {
        var row = new float[LayerWidth];
        var at = Array.IndexOf(Ops, layer.Op);
        if (at >= 0)
        {
            row[at] = 1;
        }

        at = Ops.Length;
        // Shapes of lower rank are padded in front with ones (N, C, H, W alignment for 4-D activations).
        var shape = layer.OutputShape.TakeLast(ShapeDims).ToArray();
        for (var d = 0; d < ShapeDims; d++)
        {
            var size = d < ShapeDims - shape.Length ? 1 : shape[d - (ShapeDims - shape.Length)];
            row[at++] = Log2(size) / 12;
        }

        row[at++] = Log2(layer.InputElements.Sum()) / 24;
        row[at++] = layer.Inputs.Count / 4f;
        row[at++] = Log2(layer.Flops) / 32;
        row[at++] = layers > 1 ? (float)layer.Index / (layers - 1) : 0;
        row[at++] = layer.IsGraphOutput ? 1 : 0;
        row[at++] = Log2(cores) / 4;
        row[at + StableBucket(boardKind)] = 1;
        return row;
    }

    private static float[] ActionRow(LayerChoice choice, int cores)
    {
        var row = new float[ActionWidth];
        var primitive = Array.IndexOf(PrimitiveVocabulary, choice.Primitive);
        row[primitive >= 0 ? primitive : PrimitiveVocabulary.Length] = 1;
        var at = PrimitiveVocabulary.Length + 1;
        row[at + Array.IndexOf(Layouts, choice.Layout)] = 1;
        at += Layouts.Length;
        row[at + Array.IndexOf(Precisions, choice.Precision)] = 1;
        at += Precisions.Length;
        row[at++] = Math.Min(1f, (float)choice.Threads / cores);
        row[at] = Log2(choice.Threads) / 4;
        return row;
    }

    private static float Log2(double x) => (float)Math.Log2(1 + Math.Max(0, x));

    // FNV-1a: string.GetHashCode is randomised per process, and weights must mean the same thing in every process.
    private static int StableBucket(string text)
    {
        var hash = 2166136261u;
        foreach (var ch in text)
        {
            hash = (hash ^ ch) * 16777619u;
        }

        return (int)(hash % BoardKindBuckets);
    }
}
