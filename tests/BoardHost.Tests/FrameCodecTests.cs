using System.Buffers.Binary;
using Dsx.Model;
using Dsx.Wire;

namespace Dsx.BoardHost.Tests;

public sealed class FrameCodecTests
{
    private readonly FrameCodec _codec = new();

    [Fact]
    public async Task Frames_round_trip_back_to_back()
    {
        var first = new Request { Id = 1, Hello = new Hello { ProtocolVersion = 1 } };
        var second = new Request { Id = 2, LoadModel = new LoadModel { Hash = "abc", Graph = ModelZoo.Build("tiny_cnn") } };
        using var stream = new MemoryStream();

        await _codec.WriteAsync(stream, first);
        await _codec.WriteAsync(stream, second);
        stream.Position = 0;

        Assert.Equal(first, await _codec.ReadAsync(stream, Request.Parser));
        Assert.Equal(second, await _codec.ReadAsync(stream, Request.Parser));
        Assert.Null(await _codec.ReadAsync(stream, Request.Parser));
    }

    [Fact]
    public async Task The_prefix_is_the_little_endian_payload_length()
    {
        var message = new Response { Id = 300, Pong = new Pong() };
        using var stream = new MemoryStream();

        await _codec.WriteAsync(stream, message);

        var bytes = stream.ToArray();
        Assert.Equal(message.CalculateSize(), BinaryPrimitives.ReadInt32LittleEndian(bytes));
        Assert.Equal(4 + message.CalculateSize(), bytes.Length);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(7)]
    public async Task Partial_reads_are_reassembled(int chunk)
    {
        var message = new Response { Id = 9, Error = new Error { Code = ErrorCode.BadPlan, Message = "no such layer", Layer = "conv9" } };
        using var written = new MemoryStream();
        await _codec.WriteAsync(written, message);
        using var trickle = new TricklingStream(written.ToArray(), chunk);

        Assert.Equal(message, await _codec.ReadAsync(trickle, Response.Parser));
        Assert.True(trickle.Reads > 2);
    }

    [Fact]
    public async Task An_oversized_announced_length_is_rejected_before_reading_the_payload()
    {
        var codec = new FrameCodec(maxFrameBytes: 1024);
        var prefix = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(prefix, 1025);
        using var stream = new MemoryStream(prefix);

        var error = await Assert.ThrowsAsync<FrameTooLargeException>(() => codec.ReadAsync(stream, Response.Parser));

        Assert.Equal(1025, error.Length);
        Assert.Equal(1024, error.MaxFrameBytes);
    }

    [Fact]
    public async Task A_length_beyond_int_range_is_rejected()
    {
        using var stream = new MemoryStream([0xFF, 0xFF, 0xFF, 0xFF]);

        await Assert.ThrowsAsync<FrameTooLargeException>(() => _codec.ReadAsync(stream, Response.Parser));
    }

    [Fact]
    public async Task Writing_an_oversized_message_writes_nothing()
    {
        var codec = new FrameCodec(maxFrameBytes: 16);
        using var stream = new MemoryStream();

        await Assert.ThrowsAsync<FrameTooLargeException>(() => codec.WriteAsync(stream, new Response { Error = new Error { Message = new string('x', 64) } }));

        Assert.Equal(0, stream.Length);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(6)]
    public async Task A_stream_ending_inside_a_frame_is_an_error(int keep)
    {
        using var written = new MemoryStream();
        await _codec.WriteAsync(written, new Response { Id = 1, Pong = new Pong() });
        using var truncated = new MemoryStream(written.ToArray()[..keep]);

        await Assert.ThrowsAsync<EndOfStreamException>(() => _codec.ReadAsync(truncated, Response.Parser));
    }
}
