namespace Dsx.Model.Onnx;

/// <summary>N-D index helpers for constant folding (shape sub-graphs are tiny, so clarity beats speed).</summary>
internal static class TensorMath
{
    public static long Count(IReadOnlyList<long> dims) => dims.Aggregate(1L, (a, d) => a * d);

    public static long[] Strides(IReadOnlyList<long> dims)
    {
        var strides = new long[dims.Count];
        var s = 1L;
        for (var i = dims.Count - 1; i >= 0; i--)
        {
            strides[i] = s;
            s *= dims[i];
        }

        return strides;
    }

    public static long[] Unravel(long flat, IReadOnlyList<long> dims)
    {
        var index = new long[dims.Count];
        for (var i = dims.Count - 1; i >= 0; i--)
        {
            index[i] = dims[i] == 0 ? 0 : flat % dims[i];
            flat = dims[i] == 0 ? 0 : flat / dims[i];
        }

        return index;
    }

    /// <summary>NumPy broadcast of two shapes; null when they do not broadcast.</summary>
    public static long[]? Broadcast(IReadOnlyList<long> left, IReadOnlyList<long> right)
    {
        var rank = Math.Max(left.Count, right.Count);
        var result = new long[rank];
        for (var i = 0; i < rank; i++)
        {
            var l = i < rank - left.Count ? 1 : left[i - (rank - left.Count)];
            var r = i < rank - right.Count ? 1 : right[i - (rank - right.Count)];
            if (l != r && l != 1 && r != 1)
            {
                return null;
            }

            result[i] = Math.Max(l, r);
        }

        return result;
    }

    /// <summary>The flat offset into <paramref name="dims"/> of an output index under broadcasting.</summary>
    public static long BroadcastOffset(long[] outIndex, IReadOnlyList<long> dims)
    {
        var offset = 0L;
        var strides = Strides(dims);
        var shift = outIndex.Length - dims.Count;
        for (var i = 0; i < dims.Count; i++)
        {
            offset += (dims[i] == 1 ? 0 : outIndex[i + shift]) * strides[i];
        }

        return offset;
    }

    public static string Format(IEnumerable<long> dims) => $"[{string.Join(", ", dims)}]";
}
