using System.Buffers;
using IpcKit.Transports.MessagePack;

namespace IpcKit.MessagePack.Tests;

/// <summary>Writes with a <see cref="MessagePackWriter"/> in a lambda.</summary>
internal delegate void WriteAction(ref MessagePackWriter writer);

/// <summary>Reads with a <see cref="MessagePackReader"/> in a lambda.</summary>
internal delegate T ReadFunc<out T>(ref MessagePackReader reader);

internal static class Support
{
    public static byte[] Write(WriteAction action)
    {
        var buffer = new ArrayBufferWriter<byte>();
        var writer = new MessagePackWriter(buffer);
        action(ref writer);
        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    public static string WriteHex(WriteAction action) => Convert.ToHexStringLower(Write(action));

    public static byte[] FromHex(string hex) => Convert.FromHexString(hex.Replace(" ", "", StringComparison.Ordinal));

    /// <summary>Reads one value and checks the whole input was consumed.</summary>
    public static T Read<T>(byte[] bytes, ReadFunc<T> read, MessagePackReaderOptions? options = null)
    {
        var reader = new MessagePackReader(bytes, options);
        T value = read(ref reader);
        Assert.True(reader.End, $"{reader.Remaining} byte(s) left unread");
        return value;
    }

    public static T Read<T>(string hex, ReadFunc<T> read, MessagePackReaderOptions? options = null) => Read(FromHex(hex), read, options);

    /// <summary>The same bytes as a sequence of segments of <paramref name="segmentSize"/> bytes (with empty segments in between), to exercise the cross-segment paths.</summary>
    public static ReadOnlySequence<byte> Segmented(byte[] bytes, int segmentSize = 1)
    {
        if (bytes.Length == 0)
        {
            return ReadOnlySequence<byte>.Empty;
        }

        Segment first = new(bytes.AsMemory(0, Math.Min(segmentSize, bytes.Length)), 0);
        Segment last = first;
        for (int i = last.Memory.Length; i < bytes.Length; i += segmentSize)
        {
            last = last.Append(ReadOnlyMemory<byte>.Empty);
            last = last.Append(bytes.AsMemory(i, Math.Min(segmentSize, bytes.Length - i)));
        }

        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    /// <summary>Asserts that reading fails with a <see cref="MessagePackException"/> whose offset lies within the input.</summary>
    public static MessagePackException AssertRejected(byte[] bytes, ReadFunc<object?> read, MessagePackReaderOptions? options = null)
    {
        MessagePackException ex = Assert.Throws<MessagePackException>(() =>
        {
            var reader = new MessagePackReader(bytes, options);
            _ = read(ref reader);
        });
        Assert.InRange(ex.Offset, 0, bytes.Length);
        Assert.Contains($"byte offset {ex.Offset}", ex.Message, StringComparison.Ordinal);
        return ex;
    }

    public static MessagePackException AssertRejected(string hex, ReadFunc<object?> read, MessagePackReaderOptions? options = null) =>
        AssertRejected(FromHex(hex), read, options);

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
