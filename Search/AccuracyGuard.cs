using System.Globalization;

namespace Dsx.Search;

/// <summary>
/// Accepts a quantised plan only if its outputs agree with the FP32 reference plan's on a calibration set
/// (see <see cref="AccuracyThresholds"/> for the rules). Works on example rows: one row per input example (per batch
/// row of each calibration input), holding that example's output scores, so the argmax of a row is its top-1 class.
/// </summary>
public static class AccuracyGuard
{
    /// <param name="labels">When given, the true class of each example, in row order.</param>
    public static AccuracyVerdict Judge(
        IReadOnlyList<float[]> reference, IReadOnlyList<float[]> candidate, IReadOnlyList<int>? labels, AccuracyThresholds thresholds)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(candidate);
        ArgumentNullException.ThrowIfNull(thresholds);
        if (reference.Count != candidate.Count)
        {
            throw new ArgumentException($"the reference has {reference.Count} examples, the candidate {candidate.Count}", nameof(candidate));
        }

        if (reference.Count == 0)
        {
            throw new ArgumentException("the calibration set is empty", nameof(reference));
        }

        if (labels is not null && labels.Count != reference.Count)
        {
            throw new ArgumentException($"{labels.Count} labels for {reference.Count} examples", nameof(labels));
        }

        int agreements = 0, referenceCorrect = 0, candidateCorrect = 0;
        var errors = new double[reference.Count];
        for (var i = 0; i < reference.Count; i++)
        {
            if (reference[i].Length != candidate[i].Length)
            {
                throw new ArgumentException($"example {i}: the reference has {reference[i].Length} scores, the candidate {candidate[i].Length}", nameof(candidate));
            }

            var expected = ArgMax(reference[i]);
            var actual = ArgMax(candidate[i]);
            agreements += expected == actual ? 1 : 0;
            errors[i] = RelativeError(reference[i], candidate[i]);
            if (labels is not null)
            {
                referenceCorrect += expected == labels[i] ? 1 : 0;
                candidateCorrect += actual == labels[i] ? 1 : 0;
            }
        }

        var n = reference.Count;
        double? referenceAccuracy = labels is null ? null : (double)referenceCorrect / n;
        double? candidateAccuracy = labels is null ? null : (double)candidateCorrect / n;
        var maxError = errors.Max();
        var agreement = (double)agreements / n;
        var drop = referenceAccuracy - candidateAccuracy;
        string reason;
        bool passed;
        if (agreement < thresholds.MinTop1Agreement && n - agreements > thresholds.ToleratedDisagreements)
        {
            (passed, reason) = (false, Text(
                $"top-1 agrees with FP32 on {agreements}/{n} inputs ({100 * agreement:0.0}%); needs {100 * thresholds.MinTop1Agreement:0.0}% or at most {thresholds.ToleratedDisagreements} differing"));
        }
        else if (!(maxError <= thresholds.MaxRelativeError))
        {
            (passed, reason) = (false, Text($"relative error up to {100 * maxError:0.00}% against FP32; at most {100 * thresholds.MaxRelativeError:0.00}% allowed"));
        }
        else if (drop > thresholds.MaxAccuracyDrop)
        {
            (passed, reason) = (false, Text(
                $"top-1 accuracy drops from {100 * referenceAccuracy:0.0}% (FP32) to {100 * candidateAccuracy:0.0}%; at most {100 * thresholds.MaxAccuracyDrop:0.##} points allowed"));
        }
        else
        {
            var accuracy = labels is null ? "" : Text($", top-1 accuracy {100 * candidateAccuracy:0.0}% (FP32 {100 * referenceAccuracy:0.0}%)");
            (passed, reason) = (true, Text($"top-1 agrees with FP32 on {agreements}/{n} inputs, relative error up to {100 * maxError:0.00}%{accuracy}"));
        }

        return new AccuracyVerdict(passed, true, n, agreements, errors.Average(), maxError, referenceAccuracy, candidateAccuracy, reason);
    }

    private static string Text(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    /// <summary>Splits one output tensor (C order) into example rows along its first (batch) dimension.</summary>
    public static IReadOnlyList<float[]> Rows(ReadOnlySpan<float> data, IReadOnlyList<long> dims)
    {
        ArgumentNullException.ThrowIfNull(dims);
        var rows = dims.Count <= 1 ? 1 : (int)dims[0];
        if (rows <= 0 || data.Length % rows != 0)
        {
            throw new ArgumentException($"{data.Length} values do not split into {rows} rows", nameof(dims));
        }

        var width = data.Length / rows;
        var result = new float[rows][];
        for (var r = 0; r < rows; r++)
        {
            result[r] = data.Slice(r * width, width).ToArray();
        }

        return result;
    }

    /// <summary>Index of the largest score; NaN never wins.</summary>
    public static int ArgMax(ReadOnlySpan<float> scores)
    {
        var best = -1;
        for (var i = 0; i < scores.Length; i++)
        {
            if (!float.IsNaN(scores[i]) && (best < 0 || scores[i] > scores[best]))
            {
                best = i;
            }
        }

        return best;
    }

    /// <summary>||candidate - reference||2 / ||reference||2; +infinity when the candidate is off an all-zero reference or not finite.</summary>
    public static double RelativeError(ReadOnlySpan<float> reference, ReadOnlySpan<float> candidate)
    {
        double difference = 0, norm = 0;
        for (var i = 0; i < reference.Length; i++)
        {
            var d = (double)candidate[i] - reference[i];
            difference += d * d;
            norm += (double)reference[i] * reference[i];
        }

        if (double.IsNaN(difference))
        {
            return double.PositiveInfinity;
        }

        return norm > 0 ? Math.Sqrt(difference / norm) : difference == 0 ? 0 : double.PositiveInfinity;
    }
}
