using System.Globalization;

namespace Dsx.Bench;

/// <summary>ONNX Runtime's end-to-end latency over the timed runs, in ms.</summary>
internal sealed record OrtTiming(int Threads, double MinMs, double MedianMs, double MaxMs)
{
    /// <summary>The shape of <c>dsx run --json</c>'s latency, so bench/run reads both alike.</summary>
    public string ToJson() => string.Create(
        CultureInfo.InvariantCulture,
        $$$"""{"threads": {{{Threads}}}, "latency_ms": {"min": {{{MinMs:R}}}, "median": {{{MedianMs:R}}}, "max": {{{MaxMs:R}}}}}""");
}
