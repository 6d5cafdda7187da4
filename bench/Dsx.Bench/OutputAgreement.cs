using System.Runtime.InteropServices;
using Dsx.Model;

namespace Dsx.Bench;

/// <summary>How far one output is from a reference output: same top-1 class, and the relative L2 error.</summary>
internal sealed record OutputAgreement(bool SameTop1, double RelativeError)
{
    public static OutputAgreement Compare(ReadOnlySpan<float> actual, ReadOnlySpan<float> expected)
    {
        if (actual.Length != expected.Length || actual.Length == 0)
        {
            throw new InvalidDataException($"outputs of {actual.Length} and {expected.Length} values cannot be compared");
        }

        double difference = 0, norm = 0;
        for (var i = 0; i < actual.Length; i++)
        {
            var d = (double)actual[i] - expected[i];
            difference += d * d;
            norm += (double)expected[i] * expected[i];
        }

        return new OutputAgreement(ArgMax(actual) == ArgMax(expected), norm > 0 ? Math.Sqrt(difference / norm) : Math.Sqrt(difference));
    }

    public static OutputAgreement CompareFiles(string actual, string expected) =>
        Compare(Read(actual), Read(expected));

    // Float rounding differences are around 1e-6: a fixed number of decimals would show them as 0.
    public override string ToString() => FormattableString.Invariant($"{(SameTop1 ? "same" : "other")} top-1, rel. error {RelativeError:G2}");

    private static float[] Read(string path) => MemoryMarshal.Cast<byte, float>(NpyFile.Read(path, "output").FloatData.Span).ToArray();

    private static int ArgMax(ReadOnlySpan<float> values)
    {
        var best = 0;
        for (var i = 1; i < values.Length; i++)
        {
            if (values[i] > values[best])
            {
                best = i;
            }
        }

        return best;
    }
}
