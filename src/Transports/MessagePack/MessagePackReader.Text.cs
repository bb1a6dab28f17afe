using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.CompilerServices;

namespace IpcKit.Transports.MessagePack;

/// <content>Strings, binaries, extensions and timestamps.</content>
public ref partial struct MessagePackReader
{
    private const long MinTimestampSecondsForDateTime = -62_135_596_800; // 0001-01-01T00:00:00Z
    private const long MaxTimestampSecondsForDateTime = 253_402_300_799; // 9999-12-31T23:59:59Z

    /// <summary>Reads a string (any str form) and decodes it from UTF-8, or returns null for nil.</summary>
    /// <exception cref="MessagePackException">The next value is not a string or nil, is not valid UTF-8, is longer
    /// than <see cref="MessagePackReaderOptions.MaxStringLength"/>, or is truncated.</exception>
    public string? ReadString()
    {
        long start = Consumed;
        byte code = ReadCode();
        int length;
        if ((code & 0xe0) == MessagePackCode.MinFixStr)
        {
            length = code & 0x1f;
        }
        else if (code == MessagePackCode.Nil)
        {
            return null;
        }
        else
        {
            length = ReadStringLength(code);
        }

        if (length == 0)
        {
            return string.Empty;
        }

        if (_span.Length - _pos >= length && length <= _options.MaxStringLength)
        {
            string value = Utf8Text.Decode(_span.Slice(_pos, length), Consumed);
            _pos += length;
            return value;
        }

        CheckDeclaredLength(length, _options.MaxStringLength, "string", nameof(MessagePackReaderOptions.MaxStringLength), start);
        long dataOffset = Consumed;
        return Utf8Text.Decode(ReadRaw(length), dataOffset);
    }

    /// <summary>
    /// Reads a string's UTF-8 bytes without decoding them, when they lie in one contiguous segment of the input. Returns
    /// false and consumes nothing when the next value is nil or its bytes cross a segment boundary (use
    /// <see cref="ReadStringSequence"/> then). The bytes are checked to be valid UTF-8.
    /// </summary>
    /// <returns>True with a slice of the input, valid as long as the input is; false as described.</returns>
    /// <exception cref="MessagePackException">The next value is not a string or nil, is not valid UTF-8, is over the limit, or is truncated.</exception>
    public bool TryReadStringSpan(out ReadOnlySpan<byte> utf8)
    {
        if (TryTakeContiguous(isString: true, out utf8))
        {
            Utf8Text.Validate(utf8, Consumed - utf8.Length);
            return true;
        }

        return false;
    }

    /// <summary>
    /// Reads a bin's bytes when they lie in one contiguous segment of the input (always so for input given as one
    /// block of memory). Returns false and consumes nothing when the next value is nil or its bytes cross a segment
    /// boundary (use <see cref="ReadBytes"/> then).
    /// </summary>
    /// <returns>True with a slice of the input, valid as long as the input is; false as described.</returns>
    /// <exception cref="MessagePackException">The next value is not a bin or nil, is over the limit, or is truncated.</exception>
    public bool TryReadBinarySpan(out ReadOnlySpan<byte> bytes) => TryTakeContiguous(isString: false, out bytes);

    /// <summary>Reads a string's UTF-8 bytes without decoding them, or returns null for nil. The bytes are checked to be valid UTF-8.</summary>
    /// <returns>A slice of the input, valid as long as the input is.</returns>
    /// <exception cref="MessagePackException">The next value is not a string or nil, is not valid UTF-8, is over the limit, or is truncated.</exception>
    public ReadOnlySequence<byte>? ReadStringSequence()
    {
        long start = Consumed;
        byte code = ReadCode();
        if (code == MessagePackCode.Nil)
        {
            return null;
        }

        int length = (code & 0xe0) == MessagePackCode.MinFixStr ? code & 0x1f : ReadStringLength(code);
        CheckDeclaredLength(length, _options.MaxStringLength, "string", nameof(MessagePackReaderOptions.MaxStringLength), start);
        long dataOffset = Consumed;
        ReadOnlySequence<byte> bytes = ReadRaw(length);
        Utf8Text.Validate(bytes, dataOffset);
        return bytes;
    }

    /// <summary>Reads a bin (bin8, bin16 or bin32), or returns null for nil. Strings are not accepted here.</summary>
    /// <returns>A slice of the input, valid as long as the input is.</returns>
    /// <exception cref="MessagePackException">The next value is not a bin or nil, is longer than
    /// <see cref="MessagePackReaderOptions.MaxBinaryLength"/>, or is truncated.</exception>
    public ReadOnlySequence<byte>? ReadBytes()
    {
        long start = Consumed;
        byte code = ReadCode();
        long length = code switch
        {
            MessagePackCode.Nil => -1,
            MessagePackCode.Bin8 => ReadByteRaw(),
            MessagePackCode.Bin16 => ReadUInt16Raw(),
            MessagePackCode.Bin32 => ReadUInt32Raw(),
            _ => throw TypeMismatch(code, "a bin"),
        };
        if (length < 0)
        {
            return null;
        }

        CheckDeclaredLength(length, _options.MaxBinaryLength, "bin", nameof(MessagePackReaderOptions.MaxBinaryLength), start);
        return ReadRaw(length);
    }

    /// <summary>Reads the header of an array (fixarray, array16 or array32) and returns its element count; read the elements next.</summary>
    /// <exception cref="MessagePackException">The next value is not an array, declares more than
    /// <see cref="MessagePackReaderOptions.MaxCollectionLength"/> elements or more than the bytes that remain, or is truncated.</exception>
    public int ReadArrayHeader()
    {
        long start = Consumed;
        byte code = ReadCode();
        long count = code switch
        {
            >= MessagePackCode.MinFixArray and <= MessagePackCode.MaxFixArray => code & 0x0f,
            MessagePackCode.Array16 => ReadUInt16Raw(),
            MessagePackCode.Array32 => ReadUInt32Raw(),
            _ => throw TypeMismatch(code, "an array"),
        };
        CheckCollectionLength(count, count, "array", start);
        return (int)count;
    }

    /// <summary>Reads the header of a map (fixmap, map16 or map32) and returns its entry count; read key, value, key, value… next.</summary>
    /// <exception cref="MessagePackException">The next value is not a map, declares more than
    /// <see cref="MessagePackReaderOptions.MaxCollectionLength"/> entries or more than the bytes that remain, or is truncated.</exception>
    public int ReadMapHeader()
    {
        long start = Consumed;
        byte code = ReadCode();
        long count = code switch
        {
            >= MessagePackCode.MinFixMap and <= MessagePackCode.MaxFixMap => code & 0x0f,
            MessagePackCode.Map16 => ReadUInt16Raw(),
            MessagePackCode.Map32 => ReadUInt32Raw(),
            _ => throw TypeMismatch(code, "a map"),
        };
        CheckCollectionLength(count, 2 * count, "map", start);
        return (int)count;
    }

    /// <summary>Reads the header of an extension (fixext1–16, ext8–32); read its payload next with <see cref="ReadRaw"/>.</summary>
    /// <exception cref="MessagePackException">The next value is not an extension, its payload is longer than
    /// <see cref="MessagePackReaderOptions.MaxBinaryLength"/> or than what remains, or it is truncated.</exception>
    public MessagePackExtensionHeader ReadExtensionHeader()
    {
        long start = Consumed;
        byte code = ReadCode();
        long length = code switch
        {
            MessagePackCode.FixExt1 => 1,
            MessagePackCode.FixExt2 => 2,
            MessagePackCode.FixExt4 => 4,
            MessagePackCode.FixExt8 => 8,
            MessagePackCode.FixExt16 => 16,
            MessagePackCode.Ext8 => ReadByteRaw(),
            MessagePackCode.Ext16 => ReadUInt16Raw(),
            MessagePackCode.Ext32 => ReadUInt32Raw(),
            _ => throw TypeMismatch(code, "an extension"),
        };
        sbyte typeCode = unchecked((sbyte)ReadByteRaw());
        CheckDeclaredLength(length, _options.MaxBinaryLength, "extension", nameof(MessagePackReaderOptions.MaxBinaryLength), start);
        return new MessagePackExtensionHeader(typeCode, (int)length);
    }

    /// <summary>
    /// Reads a timestamp (extension type -1, in its 32-, 64- or 96-bit form) as seconds and nanoseconds since
    /// 1970-01-01T00:00:00Z, with no range restriction.
    /// </summary>
    /// <exception cref="MessagePackException">The next value is not a timestamp, has nanoseconds over 999,999,999, or is truncated.</exception>
    public (long Seconds, uint Nanoseconds) ReadTimestampParts()
    {
        long start = Consumed;
        MessagePackExtensionHeader header = ReadExtensionHeader();
        if (header.TypeCode != MessagePackCode.TimestampType || header.Length is not (4 or 8 or 12))
        {
            throw new MessagePackException(start,
                $"expected a timestamp (extension type -1 with 4, 8 or 12 bytes) but found extension type {header.TypeCode} with {header.Length} bytes.");
        }

        long seconds;
        uint nanoseconds;
        if (header.Length == 4)
        {
            seconds = ReadUInt32Raw();
            nanoseconds = 0;
        }
        else if (header.Length == 8)
        {
            ulong packed = ReadUInt64Raw();
            nanoseconds = (uint)(packed >> 34);
            seconds = (long)(packed & 0x3_ffff_ffffUL);
        }
        else
        {
            nanoseconds = ReadUInt32Raw();
            seconds = unchecked((long)ReadUInt64Raw());
        }

        if (nanoseconds > 999_999_999)
        {
            throw new MessagePackException(start, $"the timestamp has {nanoseconds.ToString(CultureInfo.InvariantCulture)} nanoseconds; at most 999,999,999 are allowed.");
        }

        return (seconds, nanoseconds);
    }

    /// <summary>
    /// Reads a timestamp as a <see cref="DateTime"/> of kind <see cref="DateTimeKind.Utc"/>. Nanoseconds are truncated
    /// to the 100 ns resolution of <see cref="DateTime"/>.
    /// </summary>
    /// <exception cref="MessagePackException">The next value is not a valid timestamp, or lies outside the years 1–9999 that <see cref="DateTime"/> can hold.</exception>
    public DateTime ReadTimestamp()
    {
        long start = Consumed;
        (long seconds, uint nanoseconds) = ReadTimestampParts();
        if (seconds is < MinTimestampSecondsForDateTime or > MaxTimestampSecondsForDateTime)
        {
            throw new MessagePackException(start, $"the timestamp ({seconds.ToString(CultureInfo.InvariantCulture)} s from 1970) lies outside the range of DateTime (years 1 to 9999).");
        }

        long ticks = DateTime.UnixEpoch.Ticks + (seconds * TimeSpan.TicksPerSecond) + (nanoseconds / 100);
        return new DateTime(ticks, DateTimeKind.Utc);
    }

    /// <summary>Reads the length after a str8/16/32 code (a fixstr is handled by the caller).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private int ReadStringLength(byte code)
    {
        long start = Consumed - 1;
        long length = code switch
        {
            MessagePackCode.Str8 => ReadByteRaw(),
            MessagePackCode.Str16 => ReadUInt16Raw(),
            MessagePackCode.Str32 => ReadUInt32Raw(),
            _ => throw TypeMismatch(code, "a string"),
        };
        CheckDeclaredLength(length, _options.MaxStringLength, "string", nameof(MessagePackReaderOptions.MaxStringLength), start);
        return (int)length;
    }

    /// <summary>
    /// Takes a whole str (or bin) when its header and payload are in the current segment. Otherwise consumes nothing
    /// and returns false for nil or a value that crosses segments, and throws for any other type.
    /// </summary>
    private bool TryTakeContiguous(bool isString, out ReadOnlySpan<byte> payload)
    {
        ReadOnlySpan<byte> rest = _span[_pos..];
        payload = default;
        if (rest.IsEmpty)
        {
            return FallBackFromContiguous(isString);
        }

        byte code = rest[0];
        int header;
        long length;
        if (isString && (code & 0xe0) == MessagePackCode.MinFixStr)
        {
            (header, length) = (1, code & 0x1f);
        }
        else if (code == (isString ? MessagePackCode.Str8 : MessagePackCode.Bin8) && rest.Length >= 2)
        {
            (header, length) = (2, rest[1]);
        }
        else if (code == (isString ? MessagePackCode.Str16 : MessagePackCode.Bin16) && rest.Length >= 3)
        {
            (header, length) = (3, BinaryPrimitives.ReadUInt16BigEndian(rest[1..]));
        }
        else if (code == (isString ? MessagePackCode.Str32 : MessagePackCode.Bin32) && rest.Length >= 5)
        {
            (header, length) = (5, BinaryPrimitives.ReadUInt32BigEndian(rest[1..]));
        }
        else
        {
            return FallBackFromContiguous(isString);
        }

        int limit = isString ? _options.MaxStringLength : _options.MaxBinaryLength;
        if (length > limit || header + length > Remaining)
        {
            // Over a limit or truncated: consume the header and let the common check describe the problem.
            long start = Consumed;
            _pos += header;
            CheckDeclaredLength(length, limit, isString ? "string" : "bin",
                isString ? nameof(MessagePackReaderOptions.MaxStringLength) : nameof(MessagePackReaderOptions.MaxBinaryLength), start);
        }

        if (header + length > rest.Length)
        {
            return false;
        }

        payload = rest.Slice(header, (int)length);
        _pos += header + (int)length;
        return true;
    }

    /// <summary>The slow path of <see cref="TryTakeContiguous"/>: false (consuming nothing) for nil or a str/bin split across segments.</summary>
    private bool FallBackFromContiguous(bool isString)
    {
        MessagePackType type = NextType;
        if (type == MessagePackType.Nil || type == (isString ? MessagePackType.String : MessagePackType.Binary))
        {
            return false;
        }

        throw TypeMismatch(ReadCode(), isString ? "a string" : "a bin");
    }
}
