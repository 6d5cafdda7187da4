using System.Buffers.Binary;
using Google.Protobuf;

namespace Dsx.BoardHost;

/// <summary>
/// The wire framing: 4-byte little-endian payload length, then the serialized message.
/// The limit guards against a corrupt length prefix making us allocate gigabytes.
/// </summary>
public sealed class FrameCodec
{
    /// <summary>The executor's own default limit (1 GiB): room for VGG-16 with FP32 weights (553 MB).</summary>
    public const int DefaultMaxFrameBytes = 1024 * 1024 * 1024;

    private const int PrefixBytes = 4;

    public FrameCodec(int maxFrameBytes = DefaultMaxFrameBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxFrameBytes);
        MaxFrameBytes = maxFrameBytes;
    }

    public int MaxFrameBytes { get; }

    public async Task WriteAsync(Stream stream, IMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(message);
        var length = message.CalculateSize();
        if (length > MaxFrameBytes)
        {
            throw new FrameTooLargeException(length, MaxFrameBytes);
        }

        var frame = new byte[PrefixBytes + length];
        BinaryPrimitives.WriteInt32LittleEndian(frame, length);
        message.WriteTo(frame.AsSpan(PrefixBytes));
        await stream.WriteAsync(frame, cancellationToken);
        await stream.FlushAsync(cancellationToken);
    }

    /// <summary>
    /// Reads one frame. Returns null on a clean end of stream before the first prefix byte;
    /// throws <see cref="EndOfStreamException"/> when the stream ends inside a frame.
    /// </summary>
    public async Task<T?> ReadAsync<T>(Stream stream, MessageParser<T> parser, CancellationToken cancellationToken = default)
        where T : class, IMessage<T>
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(parser);
        var prefix = new byte[PrefixBytes];
        var got = await stream.ReadAtLeastAsync(prefix, PrefixBytes, throwOnEndOfStream: false, cancellationToken);
        if (got == 0)
        {
            return null;
        }

        if (got < PrefixBytes)
        {
            throw new EndOfStreamException($"Stream ended inside a frame's length prefix ({got} of {PrefixBytes} bytes).");
        }

        var length = BinaryPrimitives.ReadUInt32LittleEndian(prefix);
        if (length > MaxFrameBytes)
        {
            throw new FrameTooLargeException(length, MaxFrameBytes);
        }

        var payload = new byte[length];
        got = await stream.ReadAtLeastAsync(payload, payload.Length, throwOnEndOfStream: false, cancellationToken);
        if (got < payload.Length)
        {
            throw new EndOfStreamException($"Stream ended inside a frame ({got} of {length} payload bytes).");
        }

        return parser.ParseFrom(payload);
    }
}
