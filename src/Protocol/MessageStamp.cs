using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace IpcKit.Protocol;

/// <summary>
/// The 16-byte header every benchmark message starts with: sequence number (u64), checksum (u32) and flags (u32),
/// little-endian. The checksum covers the payload after the header plus the sequence number and flags, so a message
/// that was truncated, reordered, duplicated or changed in any byte is caught by the receiver.
/// </summary>
public static class MessageStamp
{
    /// <summary>The header size, which is also the smallest benchmark message.</summary>
    public const int HeaderSize = 16;

    /// <summary>Flag on the last message of a stream; the receiver acknowledges it.</summary>
    public const uint LastFlag = 1;

    /// <summary>Flag on the first message of a stream; the receiver resets its counts.</summary>
    public const uint FirstFlag = 2;

    /// <summary>The size of a stream acknowledgement: a header, then received (u64), corrupted (u64) and lost (u64).</summary>
    public const int AckSize = HeaderSize + 24;

    /// <summary>Fills a message body with a deterministic pattern (done once per size, not per message).</summary>
    public static void FillPattern(Span<byte> message, int seed)
    {
        var rng = new Random(seed);
        rng.NextBytes(message[Math.Min(HeaderSize, message.Length)..]);
    }

    /// <summary>The checksum of a payload (the bytes after the header); computed once when the payload does not change.</summary>
    public static ulong PayloadSum(ReadOnlySpan<byte> message) => message.Length <= HeaderSize ? 0 : Fletcher(message[HeaderSize..]);

    /// <summary>Stamps the header, given the payload checksum from <see cref="PayloadSum"/>.</summary>
    public static void Stamp(Span<byte> message, ulong sequence, uint flags, ulong payloadSum)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(message, sequence);
        BinaryPrimitives.WriteUInt32LittleEndian(message[8..], Combine(payloadSum, sequence, flags, message.Length));
        BinaryPrimitives.WriteUInt32LittleEndian(message[12..], flags);
    }

    /// <summary>Reads a header and checks the checksum over the whole received message.</summary>
    /// <returns>False when the message is shorter than a header or any byte differs from what was stamped.</returns>
    public static bool Verify(ReadOnlySpan<byte> message, out ulong sequence, out uint flags)
    {
        sequence = 0;
        flags = 0;
        if (message.Length < HeaderSize)
        {
            return false;
        }

        sequence = BinaryPrimitives.ReadUInt64LittleEndian(message);
        uint stamped = BinaryPrimitives.ReadUInt32LittleEndian(message[8..]);
        flags = BinaryPrimitives.ReadUInt32LittleEndian(message[12..]);
        return stamped == Combine(PayloadSum(message), sequence, flags, message.Length);
    }

    /// <summary>Writes a stream acknowledgement: what the receiver counted, stamped so the sender can trust it.</summary>
    public static void WriteAck(Span<byte> ack, long received, long corrupted, long lost)
    {
        BinaryPrimitives.WriteInt64LittleEndian(ack[HeaderSize..], received);
        BinaryPrimitives.WriteInt64LittleEndian(ack[(HeaderSize + 8)..], corrupted);
        BinaryPrimitives.WriteInt64LittleEndian(ack[(HeaderSize + 16)..], lost);
        Stamp(ack, (ulong)received, LastFlag, PayloadSum(ack[..AckSize]));
    }

    /// <summary>Reads an acknowledgement written by <see cref="WriteAck"/>; false when it is malformed.</summary>
    public static bool TryReadAck(ReadOnlySpan<byte> ack, out long received, out long corrupted, out long lost)
    {
        received = corrupted = lost = 0;
        if (ack.Length != AckSize || !Verify(ack, out _, out _))
        {
            return false;
        }

        received = BinaryPrimitives.ReadInt64LittleEndian(ack[HeaderSize..]);
        corrupted = BinaryPrimitives.ReadInt64LittleEndian(ack[(HeaderSize + 8)..]);
        lost = BinaryPrimitives.ReadInt64LittleEndian(ack[(HeaderSize + 16)..]);
        return true;
    }

    private static uint Combine(ulong payloadSum, ulong sequence, uint flags, int length)
    {
        ulong h = payloadSum ^ (sequence * 0x9E3779B97F4A7C15UL) ^ ((ulong)flags << 32) ^ (uint)length;
        h ^= h >> 29;
        h *= 0xBF58476D1CE4E5B9UL;
        h ^= h >> 32;
        return (uint)h;
    }

    /// <summary>
    /// A Fletcher-style sum over 64-bit lanes: a running sum and a sum of sums, so that both a changed byte and two
    /// swapped blocks change the result. Vectorized, so checking a 1 MiB message costs a small fraction of copying it.
    /// </summary>
    internal static ulong Fletcher(ReadOnlySpan<byte> data)
    {
        var a = Vector256<ulong>.Zero;
        var b = Vector256<ulong>.Zero;
        var blocks = MemoryMarshal.Cast<byte, Vector256<ulong>>(data);
        foreach (var block in blocks)
        {
            a += block;
            b += a;
        }

        ulong sa = Vector256.Sum(a);
        ulong sb = Vector256.Sum(b) + (sa * 0x100000001B3UL);
        int done = blocks.Length * Vector256<byte>.Count;
        for (int i = done; i < data.Length; i++)
        {
            sa += data[i];
            sb += sa;
        }

        return sb ^ BitOperations.RotateLeft(sa, 23);
    }
}

/// <summary>
/// Checks a stream of stamped messages as it arrives: counts received, corrupted (bad checksum or length) and lost
/// (gaps in the sequence numbers). A message flagged <see cref="MessageStamp.FirstFlag"/> starts a new stream.
/// </summary>
public sealed class StreamVerifier
{
    private ulong _expected;

    /// <summary>Messages received in the current stream.</summary>
    public long Received { get; private set; }

    /// <summary>Messages that failed the checksum, or arrived out of order.</summary>
    public long Corrupted { get; private set; }

    /// <summary>Sequence numbers skipped.</summary>
    public long Lost { get; private set; }

    /// <summary>Checks one message; returns its flags (0 for a corrupted one).</summary>
    public uint Check(ReadOnlySpan<byte> message)
    {
        if (!MessageStamp.Verify(message, out ulong sequence, out uint flags))
        {
            // Its sequence number cannot be trusted, but it did arrive: let it take the next expected slot, so that
            // it is counted once (corrupted) and not a second time as a gap (lost).
            Received++;
            Corrupted++;
            _expected++;
            return 0;
        }

        if ((flags & MessageStamp.FirstFlag) != 0)
        {
            _expected = 0;
            Received = Corrupted = Lost = 0;
        }

        Received++;
        if (sequence > _expected)
        {
            Lost += (long)(sequence - _expected);
        }
        else if (sequence < _expected)
        {
            Corrupted++; // a duplicate or a reordering
        }

        _expected = Math.Max(_expected, sequence + 1);
        return flags;
    }
}
