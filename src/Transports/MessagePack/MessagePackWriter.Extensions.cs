using System.Buffers.Binary;

namespace IpcKit.Transports.MessagePack;

/// <content>Extensions and the timestamp extension (type -1).</content>
public ref partial struct MessagePackWriter
{
    /// <summary>
    /// Writes an extension value: fixext1/2/4/8/16 when the data has exactly that length, otherwise ext8, ext16 or ext32.
    /// </summary>
    /// <param name="typeCode">The application's type code, 0 to 127; -128 to -1 are reserved by the specification (-1 is the timestamp).</param>
    /// <param name="data">The extension's payload.</param>
    public void WriteExtension(sbyte typeCode, scoped ReadOnlySpan<byte> data)
    {
        WriteExtensionHeader(typeCode, data.Length);
        WriteRaw(data);
    }

    /// <summary>Writes only an extension header; follow it with exactly <paramref name="length"/> bytes through <see cref="WriteRaw"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="length"/> is negative.</exception>
    public void WriteExtensionHeader(sbyte typeCode, int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        Span<byte> s = Reserve(6);
        int used;
        switch (length)
        {
            case 1: s[0] = MessagePackCode.FixExt1; used = 1; break;
            case 2: s[0] = MessagePackCode.FixExt2; used = 1; break;
            case 4: s[0] = MessagePackCode.FixExt4; used = 1; break;
            case 8: s[0] = MessagePackCode.FixExt8; used = 1; break;
            case 16: s[0] = MessagePackCode.FixExt16; used = 1; break;
            case <= byte.MaxValue:
                s[0] = MessagePackCode.Ext8;
                s[1] = (byte)length;
                used = 2;
                break;
            case <= ushort.MaxValue:
                s[0] = MessagePackCode.Ext16;
                BinaryPrimitives.WriteUInt16BigEndian(s[1..], (ushort)length);
                used = 3;
                break;
            default:
                s[0] = MessagePackCode.Ext32;
                BinaryPrimitives.WriteUInt32BigEndian(s[1..], (uint)length);
                used = 5;
                break;
        }

        s[used] = unchecked((byte)typeCode);
        _buffered += used + 1;
    }

    /// <summary>
    /// Writes a timestamp (extension type -1) in the smallest of its three forms: 32-bit (whole seconds from 1970 up to
    /// 2106), 64-bit (nanoseconds, seconds below 2^34, i.e. until 2514) or 96-bit (everything else, including before 1970).
    /// </summary>
    /// <param name="seconds">Seconds since 1970-01-01T00:00:00Z; negative before it.</param>
    /// <param name="nanoseconds">Nanoseconds to add, 0 to 999,999,999.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="nanoseconds"/> is 1,000,000,000 or more.</exception>
    public void WriteTimestamp(long seconds, uint nanoseconds)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(nanoseconds, 999_999_999u);
        if ((ulong)seconds >> 34 == 0)
        {
            ulong packed = ((ulong)nanoseconds << 34) | (ulong)seconds;
            if (packed >> 32 == 0)
            {
                Span<byte> s = Reserve(6);
                s[0] = MessagePackCode.FixExt4;
                s[1] = unchecked((byte)MessagePackCode.TimestampType);
                BinaryPrimitives.WriteUInt32BigEndian(s[2..], (uint)packed);
                _buffered += 6;
            }
            else
            {
                Span<byte> s = Reserve(10);
                s[0] = MessagePackCode.FixExt8;
                s[1] = unchecked((byte)MessagePackCode.TimestampType);
                BinaryPrimitives.WriteUInt64BigEndian(s[2..], packed);
                _buffered += 10;
            }
        }
        else
        {
            Span<byte> s = Reserve(15);
            s[0] = MessagePackCode.Ext8;
            s[1] = 12;
            s[2] = unchecked((byte)MessagePackCode.TimestampType);
            BinaryPrimitives.WriteUInt32BigEndian(s[3..], nanoseconds);
            BinaryPrimitives.WriteInt64BigEndian(s[7..], seconds);
            _buffered += 15;
        }
    }

    /// <summary>
    /// Writes the instant as a timestamp. A <see cref="DateTimeKind.Local"/> value is converted to UTC first; an
    /// <see cref="DateTimeKind.Unspecified"/> one is taken to be UTC already.
    /// </summary>
    public void WriteTimestamp(DateTime value)
    {
        if (value.Kind == DateTimeKind.Local)
        {
            value = value.ToUniversalTime();
        }

        long ticks = value.Ticks - DateTime.UnixEpoch.Ticks;
        long seconds = Math.DivRem(ticks, TimeSpan.TicksPerSecond, out long remainder);
        if (remainder < 0)
        {
            seconds--;
            remainder += TimeSpan.TicksPerSecond;
        }

        WriteTimestamp(seconds, (uint)(remainder * 100));
    }

    /// <summary>Writes the UTC instant of <paramref name="value"/> as a timestamp; the offset itself is not written.</summary>
    public void WriteTimestamp(DateTimeOffset value) => WriteTimestamp(value.UtcDateTime);
}
