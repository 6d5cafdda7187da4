namespace Dsx.Model;

/// <summary>The sliding-window geometry shared by convolutions and pools: kernel, strides, pads (top, left, bottom, right), dilations.</summary>
public sealed record Window2d(
    int KernelH,
    int KernelW,
    int StrideH = 1,
    int StrideW = 1,
    int PadTop = 0,
    int PadLeft = 0,
    int PadBottom = 0,
    int PadRight = 0,
    int DilationH = 1,
    int DilationW = 1)
{
    /// <summary>A square kernel with the same stride, padding on all sides and dilation in both directions.</summary>
    public static Window2d Square(int kernel, int stride = 1, int padding = 0, int dilation = 1) =>
        new(kernel, kernel, stride, stride, padding, padding, padding, padding, dilation, dilation);

    /// <summary>Output height for an input of height <paramref name="height"/>: floor((H + pt + pb - d*(k-1) - 1)/s) + 1.</summary>
    public long OutputHeight(long height) => OutputExtent(height, KernelH, StrideH, PadTop, PadBottom, DilationH);

    public long OutputWidth(long width) => OutputExtent(width, KernelW, StrideW, PadLeft, PadRight, DilationW);

    private static long OutputExtent(long input, int kernel, int stride, int padBefore, int padAfter, int dilation)
    {
        var span = input + padBefore + padAfter - (dilation * (kernel - 1)) - 1;
        // Floor division that stays correct when the window does not fit (negative span).
        return (long)Math.Floor(span / (double)stride) + 1;
    }
}
