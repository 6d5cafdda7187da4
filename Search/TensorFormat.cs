using Dsx.Wire;

namespace Dsx.Search;

/// <summary>How a tensor is stored between layers: its layout and precision. Conversions happen between formats.</summary>
public readonly record struct TensorFormat(Layout Layout, Precision Precision)
{
    /// <summary>Graph inputs and outputs: NCHW FP32.</summary>
    public static TensorFormat Plain => new(Layout.Nchw, Precision.Fp32);

    public override string ToString() => $"{LayoutName(Layout)}/{PrecisionName(Precision)}";

    public static TensorFormat Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parts = text.Split('/');
        if (parts.Length != 2)
        {
            throw new FormatException($"'{text}' is not a tensor format (expected LAYOUT/PRECISION, e.g. NHWC/FP32)");
        }

        return new TensorFormat(ParseLayout(parts[0]), ParsePrecision(parts[1]));
    }

    internal static string LayoutName(Layout layout) => layout switch
    {
        Layout.Nchw => "NCHW",
        Layout.Nhwc => "NHWC",
        Layout.Nchw8C => "NCHW8C",
        _ => throw new ArgumentOutOfRangeException(nameof(layout), layout, "unknown layout"),
    };

    internal static string PrecisionName(Precision precision) => precision switch
    {
        Precision.Fp32 => "FP32",
        Precision.Int8 => "INT8",
        _ => throw new ArgumentOutOfRangeException(nameof(precision), precision, "unknown precision"),
    };

    internal static Layout ParseLayout(string text) => text.ToUpperInvariant() switch
    {
        "NCHW" => Layout.Nchw,
        "NHWC" => Layout.Nhwc,
        "NCHW8C" => Layout.Nchw8C,
        _ => throw new FormatException($"unknown layout '{text}' (NCHW, NHWC or NCHW8C)"),
    };

    internal static Precision ParsePrecision(string text) => text.ToUpperInvariant() switch
    {
        "FP32" => Precision.Fp32,
        "INT8" => Precision.Int8,
        _ => throw new FormatException($"unknown precision '{text}' (FP32 or INT8)"),
    };
}
