namespace Dsx.Search.Tests;

public sealed class AccuracyGuardTests
{
    // Eight examples over four classes; example i's top-1 is class i % 4, by a clear margin.
    private static float[][] Reference() => [.. Enumerable.Range(0, 8).Select(i => Enumerable.Range(0, 4).Select(c => c == i % 4 ? 5f : c).ToArray())];

    private static float[][] Scaled(float[][] rows, float factor) => [.. rows.Select(r => r.Select(v => v * factor).ToArray())];

    private static float[][] FlipTop1(float[][] rows, int count) => [.. rows.Select((r, i) =>
    {
        var copy = (float[])r.Clone();
        if (i < count)
        {
            var top = AccuracyGuard.ArgMax(copy);
            var other = (top + 1) % copy.Length;
            (copy[top], copy[other]) = (copy[other], copy[top]);
        }

        return copy;
    })];

    [Fact]
    public void Identical_outputs_pass()
    {
        var verdict = AccuracyGuard.Judge(Reference(), Reference(), null, AccuracyThresholds.Default);

        Assert.True(verdict.Passed);
        Assert.Equal(1.0, verdict.Top1Agreement);
        Assert.Equal(0, verdict.MaxRelativeError);
        Assert.Null(verdict.ReferenceAccuracy);
    }

    [Fact]
    public void Two_of_eight_top1_flips_are_rejected_with_the_counts()
    {
        var thresholds = AccuracyThresholds.Default with { MaxRelativeError = 10 };

        var verdict = AccuracyGuard.Judge(Reference(), FlipTop1(Reference(), 2), null, thresholds);

        Assert.False(verdict.Passed);
        Assert.Equal(6, verdict.Agreements);
        Assert.StartsWith("top-1 agrees with FP32 on 6/8 inputs", verdict.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void One_flip_in_a_handful_is_tolerated_by_default_but_not_when_none_is()
    {
        var thresholds = AccuracyThresholds.Default with { MaxRelativeError = 10 };
        var candidate = FlipTop1(Reference(), 1);

        Assert.True(AccuracyGuard.Judge(Reference(), candidate, null, thresholds).Passed);
        Assert.False(AccuracyGuard.Judge(Reference(), candidate, null, thresholds with { ToleratedDisagreements = 0 }).Passed);
        // 7/8 = 87.5% meets an agreement threshold of 85% even with no tolerance.
        Assert.True(AccuracyGuard.Judge(Reference(), candidate, null, thresholds with { ToleratedDisagreements = 0, MinTop1Agreement = 0.85 }).Passed);
    }

    [Fact]
    public void A_large_relative_error_is_rejected_and_the_threshold_decides()
    {
        var candidate = Scaled(Reference(), 1.2f);

        var verdict = AccuracyGuard.Judge(Reference(), candidate, null, AccuracyThresholds.Default);

        Assert.False(verdict.Passed);
        Assert.Equal(0.2, verdict.MaxRelativeError, 5);
        Assert.StartsWith("relative error up to 20.00%", verdict.Reason, StringComparison.Ordinal);
        Assert.True(AccuracyGuard.Judge(Reference(), candidate, null, AccuracyThresholds.Default with { MaxRelativeError = 0.25 }).Passed);
    }

    [Fact]
    public void Nan_outputs_fail()
    {
        var candidate = Reference();
        candidate[3][0] = float.NaN;

        Assert.False(AccuracyGuard.Judge(Reference(), candidate, null, AccuracyThresholds.Default).Passed);
    }

    [Fact]
    public void With_labels_both_accuracies_are_reported_and_the_drop_is_bounded()
    {
        // The reference is right on 6 of 8; the candidate flips one it got right: 62.5%, a drop of 12.5 points.
        int[] labels = [0, 1, 2, 3, 0, 1, 3, 2];
        var thresholds = AccuracyThresholds.Default with { MaxRelativeError = 10 };

        var verdict = AccuracyGuard.Judge(Reference(), FlipTop1(Reference(), 1), labels, thresholds);

        Assert.Equal(0.75, verdict.ReferenceAccuracy);
        Assert.Equal(0.625, verdict.CandidateAccuracy);
        Assert.False(verdict.Passed);
        Assert.Contains("top-1 accuracy drops from 75.0% (FP32) to 62.5%", verdict.Reason, StringComparison.Ordinal);
        Assert.True(AccuracyGuard.Judge(Reference(), FlipTop1(Reference(), 1), labels, thresholds with { MaxAccuracyDrop = 0.2 }).Passed);
        Assert.True(AccuracyGuard.Judge(Reference(), Reference(), labels, thresholds).Passed);
    }

    [Fact]
    public void Rows_split_an_output_along_its_batch_dimension()
    {
        var rows = AccuracyGuard.Rows(new float[] { 1, 2, 3, 4, 5, 6 }, [2, 3]);

        Assert.Equal([[1f, 2, 3], [4f, 5, 6]], rows);
    }
}
