using System.Buffers;
using IpcKit.Transports.Framing;

namespace IpcKit.Transports.Tests;

public sealed class FramerTests
{
    private static byte[] Frames(params int[] sizes)
    {
        var stream = new List<byte>();
        foreach (int size in sizes)
        {
            var header = new byte[4];
            LengthPrefixFramer.WriteHeader(header, size);
            stream.AddRange(header);
            stream.AddRange(Enumerable.Range(0, size).Select(i => (byte)(size + i)));
        }

        return [.. stream];
    }

    /// <summary>Two segments split at <paramref name="at"/>, so frames also straddle segment boundaries.</summary>
    private static ReadOnlySequence<byte> Split(byte[] bytes, int at)
    {
        var first = new Segment(bytes.AsMemory(0, at));
        var last = first.Append(bytes.AsMemory(at));
        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    [Fact]
    public void Every_truncation_of_a_frame_is_incomplete_and_leaves_the_buffer_alone()
    {
        byte[] bytes = Frames(10);
        for (int length = 0; length < bytes.Length; length++)
        {
            var buffer = new ReadOnlySequence<byte>(bytes.AsMemory(0, length));
            Assert.False(LengthPrefixFramer.TryReadFrame(ref buffer, 1024, out _), $"complete at {length} bytes");
            Assert.Equal(length, buffer.Length);
        }
    }

    [Fact]
    public void Frames_are_read_back_whatever_the_segment_split()
    {
        byte[] bytes = Frames(0, 1, 7, 300);
        for (int at = 0; at <= bytes.Length; at++)
        {
            var buffer = Split(bytes, at);
            var sizes = new List<int>();
            while (LengthPrefixFramer.TryReadFrame(ref buffer, 1024, out var payload))
            {
                Assert.All(payload.ToArray().Select((b, i) => (b, i)), x => Assert.Equal((byte)(payload.Length + x.i), x.b));
                sizes.Add((int)payload.Length);
            }

            Assert.Equal([0, 1, 7, 300], sizes);
            Assert.Equal(0, buffer.Length);
        }
    }

    [Fact]
    public void Every_prefix_of_a_stream_of_frames_yields_exactly_the_complete_frames()
    {
        byte[] bytes = Frames(3, 0, 5);
        int[] ends = [7, 11, 20];
        for (int length = 0; length <= bytes.Length; length++)
        {
            var buffer = new ReadOnlySequence<byte>(bytes.AsMemory(0, length));
            int frames = 0;
            while (LengthPrefixFramer.TryReadFrame(ref buffer, 1024, out _))
            {
                frames++;
            }

            Assert.Equal(ends.Count(e => e <= length), frames);
        }
    }

    [Fact]
    public void A_declared_length_over_the_limit_throws_from_the_four_header_bytes()
    {
        var buffer = new ReadOnlySequence<byte>(new byte[] { 0xF0, 0xFF, 0xFF, 0xFF });
        var error = Assert.Throws<FrameTooLargeException>(() => LengthPrefixFramer.TryReadFrame(ref buffer, 64 << 20, out _));
        Assert.Equal(0xFFFFFFF0u, (uint)error.DeclaredSize);
        Assert.Contains("MaxMessageSize", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_length_exactly_at_the_limit_is_accepted()
    {
        var buffer = new ReadOnlySequence<byte>(Frames(16));
        Assert.True(LengthPrefixFramer.TryReadFrame(ref buffer, 16, out var payload));
        Assert.Equal(16, payload.Length);
    }

    [Fact]
    public void The_header_is_little_endian()
    {
        var header = new byte[4];
        LengthPrefixFramer.WriteHeader(header, 0x01020304);
        Assert.Equal(new byte[] { 4, 3, 2, 1 }, header);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory) => Memory = memory;

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory) { RunningIndex = RunningIndex + Memory.Length };
            Next = next;
            return next;
        }
    }
}
