namespace Dsx.BoardHost;

/// <summary>A frame whose announced or actual length exceeds the codec's limit.</summary>
public sealed class FrameTooLargeException(long length, int maxFrameBytes)
    : IOException($"Frame of {length} bytes exceeds the limit of {maxFrameBytes} bytes.")
{
    public long Length { get; } = length;

    public int MaxFrameBytes { get; } = maxFrameBytes;
}
