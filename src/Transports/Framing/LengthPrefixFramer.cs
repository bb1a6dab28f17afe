using System.Buffers;
using System.Buffers.Binary;

namespace IpcKit.Transports.Framing;

/// <summary>
/// The one framing every byte-stream transport uses: a 4-byte little-endian unsigned payload length, then the payload.
/// See docs/wire-format.md. These functions are pure: they never read from or write to a stream.
/// </summary>
public static class LengthPrefixFramer
{
    /// <summary>The size of a frame header in bytes.</summary>
    public const int HeaderSize = 4;

    /// <summary>
    /// Takes one frame from the front of <paramref name="buffer"/>. Returns false, leaving the buffer as it was, when the
    /// frame is not complete yet; on success, <paramref name="buffer"/> is advanced past the frame and
    /// <paramref name="payload"/> is a slice of the original buffer.
    /// </summary>
    /// <exception cref="FrameTooLargeException">The header declares more than <paramref name="maxMessageSize"/> bytes.
    /// Raised as soon as the 4 header bytes are there, before any payload needs to be buffered.</exception>
    public static bool TryReadFrame(ref ReadOnlySequence<byte> buffer, int maxMessageSize, out ReadOnlySequence<byte> payload)
    {
        payload = default;
        if (buffer.Length < HeaderSize)
        {
            return false;
        }

        Span<byte> header = stackalloc byte[HeaderSize];
        buffer.Slice(0, HeaderSize).CopyTo(header);
        int length = ReadLength(header, maxMessageSize);
        if (buffer.Length - HeaderSize < length)
        {
            return false;
        }

        payload = buffer.Slice(HeaderSize, length);
        buffer = buffer.Slice(payload.End);
        return true;
    }

    /// <summary>
    /// Reads the header at the front of a contiguous buffer. Returns false when fewer than <see cref="HeaderSize"/> bytes
    /// are there; otherwise the declared payload length, checked against the limit.
    /// </summary>
    /// <exception cref="FrameTooLargeException">The declared length is over <paramref name="maxMessageSize"/>.</exception>
    public static bool TryReadHeader(ReadOnlySpan<byte> buffer, int maxMessageSize, out int payloadLength)
    {
        if (buffer.Length < HeaderSize)
        {
            payloadLength = 0;
            return false;
        }

        payloadLength = ReadLength(buffer, maxMessageSize);
        return true;
    }

    /// <summary>Writes the header for a payload of <paramref name="payloadLength"/> bytes.</summary>
    public static void WriteHeader(Span<byte> destination, int payloadLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(payloadLength);
        BinaryPrimitives.WriteUInt32LittleEndian(destination, (uint)payloadLength);
    }

    private static int ReadLength(ReadOnlySpan<byte> header, int maxMessageSize)
    {
        uint declared = BinaryPrimitives.ReadUInt32LittleEndian(header);
        if (declared > (uint)maxMessageSize)
        {
            throw new FrameTooLargeException(declared, maxMessageSize);
        }

        return (int)declared;
    }
}
