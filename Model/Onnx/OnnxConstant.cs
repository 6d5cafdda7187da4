namespace Dsx.Model.Onnx;

/// <summary>
/// A tensor known at import time (initializer, Constant node or folded shape sub-graph). Values are held as
/// doubles: exact for float32 weights and for int64 shape arithmetic up to 2^53, one code path for both.
/// </summary>
internal sealed record OnnxConstant(long[] Dims, double[] Values, bool IsFloat)
{
    public long Count => Values.LongLength;

    public float[] ToFloats() => [.. Values.Select(v => (float)v)];

    public long[] ToLongs() => [.. Values.Select(v => (long)v)];

    public static OnnxConstant Ints(long[] dims, IEnumerable<long> values) => new(dims, [.. values.Select(v => (double)v)], IsFloat: false);
}
