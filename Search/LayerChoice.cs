using Dsx.Wire;

namespace Dsx.Search;

/// <summary>One candidate for one layer: primitive x layout x precision x threads. Its output has <see cref="Format"/>.</summary>
public sealed record LayerChoice(string Primitive, Layout Layout, Precision Precision, int Threads)
{
    public TensorFormat Format => new(Layout, Precision);

    /// <summary>Stable text form used as a key in measurement tables: <c>xnnpack/NHWC/FP32/t2</c>.</summary>
    public string Key => $"{Primitive}/{TensorFormat.LayoutName(Layout)}/{TensorFormat.PrecisionName(Precision)}/t{Threads}";

    public override string ToString() => Key;

    public Choice ToWire() => new() { Primitive = Primitive, Layout = Layout, Precision = Precision, Threads = Threads };

    public static LayerChoice FromWire(Choice choice)
    {
        ArgumentNullException.ThrowIfNull(choice);
        return new LayerChoice(choice.Primitive, choice.Layout, choice.Precision, Math.Max(1, choice.Threads));
    }

    public static LayerChoice ParseKey(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var parts = key.Split('/');
        if (parts.Length != 4 || parts[3].Length < 2 || parts[3][0] != 't' || !int.TryParse(parts[3].AsSpan(1), out var threads) || threads < 1)
        {
            throw new FormatException($"'{key}' is not a layer choice (expected PRIMITIVE/LAYOUT/PRECISION/tTHREADS, e.g. xnnpack/NHWC/FP32/t1)");
        }

        return new LayerChoice(parts[0], TensorFormat.ParseLayout(parts[1]), TensorFormat.ParsePrecision(parts[2]), threads);
    }
}
