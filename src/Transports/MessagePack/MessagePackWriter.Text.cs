using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using System.Text.Unicode;

namespace IpcKit.Transports.MessagePack;

/// <content>Strings: UTF-16 text and raw UTF-8.</content>
public ref partial struct MessagePackWriter
{
    /// <summary>Writes a string as UTF-8 (fixstr, str8, str16 or str32), or nil when <paramref name="value"/> is null.</summary>
    /// <exception cref="ArgumentException">The string holds an unpaired surrogate, which has no UTF-8 encoding.</exception>
    public void Write(string? value)
    {
        if (value is null)
        {
            WriteNil();
        }
        else
        {
            WriteString(value.AsSpan());
        }
    }

    /// <summary>Writes text as a UTF-8 string (fixstr, str8, str16 or str32).</summary>
    /// <exception cref="ArgumentException">The text holds an unpaired surrogate, which has no UTF-8 encoding.</exception>
    public void WriteString(scoped ReadOnlySpan<char> value)
    {
        if (value.Length <= OnePassCharLimit)
        {
            // Encode once, after a header sized for the likely case (one byte per char, i.e. ASCII), into room for
            // the worst case (3 bytes per char and the largest header). If the real byte count needs another header
            // size, slide the bytes; for ASCII text that never happens. Cheaper than counting the bytes first.
            int guessedHeader = StringHeaderSize(value.Length);
            Span<byte> s = Reserve(5 + (value.Length * 3));
            int byteCount = Transcode(value, s[guessedHeader..]);
            int header = StringHeaderSize(byteCount);
            if (header != guessedHeader)
            {
                s.Slice(guessedHeader, byteCount).CopyTo(s[header..]);
            }

            WriteStringHeaderInto(s, byteCount);
            _buffered += header + byteCount;
        }
        else
        {
            int byteCount;
            try
            {
                byteCount = Utf8Text.Strict.GetByteCount(value);
            }
            catch (EncoderFallbackException ex)
            {
                throw new ArgumentException("The string holds an unpaired surrogate and cannot be encoded as UTF-8.", nameof(value), ex);
            }

            WriteStringHeader(byteCount);
            Span<byte> s = Reserve(byteCount);
            Transcode(value, s);
            _buffered += byteCount;
        }
    }

    /// <summary>Writes bytes that already are UTF-8 text as a string (fixstr, str8, str16 or str32).</summary>
    /// <exception cref="ArgumentException"><paramref name="utf8"/> is not valid UTF-8.</exception>
    public void WriteString(scoped ReadOnlySpan<byte> utf8)
    {
        if (!Utf8.IsValid(utf8))
        {
            throw new ArgumentException("The bytes are not valid UTF-8; write them with WriteBinary instead.", nameof(utf8));
        }

        WriteStringHeader(utf8.Length);
        WriteRaw(utf8);
    }

    /// <summary>
    /// Writes only the header of a string of <paramref name="byteCount"/> UTF-8 bytes; follow it with exactly that many
    /// bytes through <see cref="WriteRaw"/>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="byteCount"/> is negative.</exception>
    public void WriteStringHeader(int byteCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(byteCount);
        Span<byte> s = Reserve(5);
        _buffered += WriteStringHeaderInto(s, byteCount);
    }

    private static int StringHeaderSize(int byteCount) => byteCount switch
    {
        <= 31 => 1,
        <= byte.MaxValue => 2,
        <= ushort.MaxValue => 3,
        _ => 5,
    };

    private static int WriteStringHeaderInto(Span<byte> s, int byteCount)
    {
        if (byteCount <= 31)
        {
            s[0] = (byte)(MessagePackCode.MinFixStr | byteCount);
            return 1;
        }

        if (byteCount <= byte.MaxValue)
        {
            s[0] = MessagePackCode.Str8;
            s[1] = (byte)byteCount;
            return 2;
        }

        if (byteCount <= ushort.MaxValue)
        {
            s[0] = MessagePackCode.Str16;
            BinaryPrimitives.WriteUInt16BigEndian(s[1..], (ushort)byteCount);
            return 3;
        }

        s[0] = MessagePackCode.Str32;
        BinaryPrimitives.WriteUInt32BigEndian(s[1..], (uint)byteCount);
        return 5;
    }

    private static int Transcode(ReadOnlySpan<char> chars, Span<byte> destination)
    {
        OperationStatus status = Utf8.FromUtf16(chars, destination, out _, out int written, replaceInvalidSequences: false);
        if (status != OperationStatus.Done)
        {
            // Destination is always large enough, so the only failure left is an unpaired surrogate.
            throw new ArgumentException("The string holds an unpaired surrogate and cannot be encoded as UTF-8.", nameof(chars));
        }

        return written;
    }
}
