namespace Dsx.Bench.Tests;

public sealed class BenchStatsTests
{
    [Fact]
    public void A_paired_ratio_divides_within_rounds_and_takes_the_median()
    {
        // Round 2 ran while the machine was three times busier: both configurations slowed alike.
        var baseline = new Dictionary<int, double> { [1] = 10, [2] = 30, [3] = 12 };
        var plan = new Dictionary<int, double> { [1] = 5, [2] = 15, [3] = 4, [4] = 1 };

        Assert.Equal(2, BenchStats.PairedRatio(baseline, plan), 12);
        Assert.True(double.IsNaN(BenchStats.PairedRatio(baseline, new Dictionary<int, double> { [9] = 1 })));
    }

    [Fact]
    public void Medians_and_geometric_means()
    {
        Assert.Equal(2, BenchStats.Median([3, 1, 2]));
        Assert.Equal(2.5, BenchStats.Median([4, 1, 2, 3]));
        Assert.Equal(4, BenchStats.GeoMean([2, 8]), 12);
        Assert.True(double.IsNaN(BenchStats.GeoMean([])));
    }

    [Fact]
    public void Outputs_agree_by_top1_and_relative_error()
    {
        var same = OutputAgreement.Compare([1, 5, 2], [1, 5, 2]);
        var other = OutputAgreement.Compare([1, 2, 5], [1, 5, 2]);

        Assert.True(same.SameTop1);
        Assert.Equal(0, same.RelativeError);
        Assert.False(other.SameTop1);
        Assert.Equal(Math.Sqrt(18.0 / 30), other.RelativeError, 12);
        Assert.Throws<InvalidDataException>(() => OutputAgreement.Compare([1], [1, 2]));
    }
}
