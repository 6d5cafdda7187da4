namespace Dsx.Search.Tests;

public sealed class ParetoFrontTests
{
    private static IReadOnlyList<(double Ms, double Bytes)> Front(params (double Ms, double Bytes)[] points) =>
        ParetoFront.Of(points, p => p.Ms, p => p.Bytes);

    [Fact]
    public void Keeps_the_trade_offs_by_increasing_latency()
    {
        Assert.Equal([(1.0, 9.0), (2.0, 5.0), (4.0, 1.0)], Front((4, 1), (2, 5), (3, 6), (1, 9), (5, 1)));
    }

    [Fact]
    public void One_point_that_wins_both_is_the_whole_front()
    {
        Assert.Equal([(1.0, 1.0)], Front((3, 3), (1, 1), (2, 2)));
    }

    [Fact]
    public void Ties_keep_one_and_equal_latency_keeps_the_smaller_memory()
    {
        Assert.Equal([(1.0, 2.0)], Front((1, 2), (1, 2), (1, 3)));
        Assert.Empty(Front());
    }
}
