using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace IpcKit.Transports.MessagePack;

/// <summary>
/// Reads MessagePack from a <see cref="ReadOnlySequence{T}"/>, one value at a time, accepting every valid encoding of
/// a value (not only the smallest) and rejecting invalid or over-limit input with <see cref="MessagePackException"/>.
/// </summary>
/// <remarks>
/// <para><b>Bounded.</b> Every length a header declares is checked against <see cref="MessagePackReaderOptions"/> and
/// against the bytes that remain <i>before</i> anything is allocated; nesting is bounded by
/// <see cref="MessagePackReaderOptions.MaxDepth"/> through <see cref="Depth"/>; <see cref="Skip"/> is iterative.</para>
/// <para><b>Conversions.</b> The integer readers accept any integer form and fail with <see cref="MessagePackException"/>
/// when the value does not fit the requested type (a negative value read as unsigned, 300 read as <see cref="byte"/>);
/// they never accept floats. <see cref="ReadDouble"/> and <see cref="ReadSingle"/> accept float32, float64 and any
/// integer, rounding to the nearest representable value: exact for float32 → double and for integers up to 2^53
/// (double) or 2^24 (single); a float64 too large for a float32 becomes an infinity.</para>
/// <para>After a <see cref="MessagePackException"/> the reader's position is unspecified; do not keep reading.</para>
/// </remarks>
public ref partial struct MessagePackReader
{
    private readonly ReadOnlySequence<byte> _sequence;
    private readonly long _length;
    private readonly MessagePackReaderOptions _options;

    /// <summary>The segment being read; <see cref="_pos"/> indexes it.</summary>
    private ReadOnlySpan<byte> _span;

    /// <summary>The same segment as memory, to hand out slices of it without walking the sequence.</summary>
    private ReadOnlyMemory<byte> _memory;
    private int _pos;

    /// <summary>The offset of <see cref="_span"/>'s first byte from the start of the input.</summary>
    private long _spanStart;

    /// <summary>Where <see cref="_span"/> starts in <see cref="_sequence"/>, to slice strings that cross segments.</summary>
    private SequencePosition _spanPosition;

    /// <summary>Where the segment after <see cref="_span"/> starts; default once there is none.</summary>
    private SequencePosition _nextSegment;

    /// <summary>Creates a reader over a possibly multi-segment sequence.</summary>
    /// <param name="sequence">The input.</param>
    /// <param name="options">The limits to enforce; <see cref="MessagePackReaderOptions.Default"/> when null.</param>
    public MessagePackReader(ReadOnlySequence<byte> sequence, MessagePackReaderOptions? options = null)
    {
        _sequence = sequence;
        _length = sequence.Length;
        _options = options ?? MessagePackReaderOptions.Default;
        _span = default;
        _memory = default;
        _pos = 0;
        _spanStart = 0;
        _spanPosition = sequence.Start;
        _nextSegment = sequence.Start;
        Depth = 0;
        if (sequence.IsSingleSegment)
        {
            _memory = sequence.First;
            _span = _memory.Span;
            _nextSegment = default;
        }
        else
        {
            LoadNextSegment();
        }
    }

    /// <summary>Creates a reader over contiguous memory.</summary>
    /// <param name="memory">The input.</param>
    /// <param name="options">The limits to enforce; <see cref="MessagePackReaderOptions.Default"/> when null.</param>
    public MessagePackReader(ReadOnlyMemory<byte> memory, MessagePackReaderOptions? options = null)
    {
        // The common case, written out: no need to ask the sequence what we already know.
        _sequence = new ReadOnlySequence<byte>(memory);
        _length = memory.Length;
        _options = options ?? MessagePackReaderOptions.Default;
        _memory = memory;
        _span = memory.Span;
        _pos = 0;
        _spanStart = 0;
        _spanPosition = _sequence.Start;
        _nextSegment = default;
        Depth = 0;
    }

    /// <summary>The limits this reader enforces.</summary>
    public readonly MessagePackReaderOptions Options => _options;

    /// <summary>How many bytes have been read, i.e. the offset of the next value from the start of the input.</summary>
    public readonly long Consumed => _spanStart + _pos;

    /// <summary>How many bytes are left.</summary>
    public readonly long Remaining => _length - _spanStart - _pos;

    /// <summary>True when every byte of the input has been read.</summary>
    public readonly bool End => _spanStart + _pos >= _length;

    /// <summary>
    /// How many arrays and maps the caller is inside, as counted by <see cref="IncrementDepth"/>. Formatters of nested
    /// types call <see cref="IncrementDepth"/> before reading a container's elements and <see cref="DecrementDepth"/> after.
    /// </summary>
    public int Depth { get; private set; }

    /// <summary>The first byte of the next value, without consuming it.</summary>
    /// <exception cref="MessagePackException">The input has ended.</exception>
    public byte NextCode
    {
        get
        {
            if (_pos < _span.Length)
            {
                return _span[_pos];
            }

            EnsureAtLeast(1);
            return _span[_pos];
        }
    }

    /// <summary>The family of the next value, without consuming it; <see cref="MessagePackType.Unknown"/> for 0xc1.</summary>
    /// <exception cref="MessagePackException">The input has ended.</exception>
    public MessagePackType NextType => MessagePackCode.ToType(NextCode);

    /// <summary>Enters one more level of nesting.</summary>
    /// <exception cref="MessagePackException">The nesting would exceed <see cref="MessagePackReaderOptions.MaxDepth"/>.</exception>
    public void IncrementDepth()
    {
        if (Depth >= _options.MaxDepth)
        {
            throw DepthExceeded(Consumed);
        }

        Depth++;
    }

    /// <summary>Leaves one level of nesting entered with <see cref="IncrementDepth"/>.</summary>
    public void DecrementDepth()
    {
        if (Depth > 0)
        {
            Depth--;
        }
    }

    /// <summary>Consumes a nil and returns true if the next value is nil; otherwise consumes nothing and returns false.</summary>
    /// <exception cref="MessagePackException">The input has ended.</exception>
    public bool TryReadNil()
    {
        if (NextCode != MessagePackCode.Nil)
        {
            return false;
        }

        _pos++;
        return true;
    }

    /// <summary>Reads a nil.</summary>
    /// <exception cref="MessagePackException">The next value is not nil, or the input has ended.</exception>
    public void ReadNil()
    {
        byte code = ReadCode();
        if (code != MessagePackCode.Nil)
        {
            throw TypeMismatch(code, "nil");
        }
    }

    /// <summary>Reads true or false.</summary>
    /// <exception cref="MessagePackException">The next value is not a boolean, or the input has ended.</exception>
    public bool ReadBoolean()
    {
        byte code = ReadCode();
        return code switch
        {
            MessagePackCode.True => true,
            MessagePackCode.False => false,
            _ => throw TypeMismatch(code, "a boolean"),
        };
    }

    /// <summary>Reads an integer in any of its forms.</summary>
    /// <exception cref="MessagePackException">The next value is not an integer, is a uint64 above <see cref="long.MaxValue"/>, or the input has ended.</exception>
    public long ReadInt64()
    {
        byte code = ReadCode();
        if (code <= MessagePackCode.MaxPositiveFixInt)
        {
            return code;
        }

        if (code >= MessagePackCode.MinNegativeFixInt)
        {
            return unchecked((sbyte)code);
        }

        switch (code)
        {
            case MessagePackCode.UInt8: return ReadByteRaw();
            case MessagePackCode.UInt16: return ReadUInt16Raw();
            case MessagePackCode.UInt32: return ReadUInt32Raw();
            case MessagePackCode.UInt64:
                ulong value = ReadUInt64Raw();
                return value <= long.MaxValue ? (long)value : throw Overflow(Consumed - 9, value, "Int64");
            case MessagePackCode.Int8: return unchecked((sbyte)ReadByteRaw());
            case MessagePackCode.Int16: return unchecked((short)ReadUInt16Raw());
            case MessagePackCode.Int32: return unchecked((int)ReadUInt32Raw());
            case MessagePackCode.Int64: return unchecked((long)ReadUInt64Raw());
            default: throw TypeMismatch(code, "an integer");
        }
    }

    /// <summary>Reads a non-negative integer in any of its forms.</summary>
    /// <exception cref="MessagePackException">The next value is not an integer, is negative, or the input has ended.</exception>
    public ulong ReadUInt64()
    {
        long start = Consumed;
        byte code = ReadCode();
        if (code <= MessagePackCode.MaxPositiveFixInt)
        {
            return code;
        }

        long signed;
        switch (code)
        {
            case MessagePackCode.UInt8: return ReadByteRaw();
            case MessagePackCode.UInt16: return ReadUInt16Raw();
            case MessagePackCode.UInt32: return ReadUInt32Raw();
            case MessagePackCode.UInt64: return ReadUInt64Raw();
            case MessagePackCode.Int8: signed = unchecked((sbyte)ReadByteRaw()); break;
            case MessagePackCode.Int16: signed = unchecked((short)ReadUInt16Raw()); break;
            case MessagePackCode.Int32: signed = unchecked((int)ReadUInt32Raw()); break;
            case MessagePackCode.Int64: signed = unchecked((long)ReadUInt64Raw()); break;
            case >= MessagePackCode.MinNegativeFixInt: signed = unchecked((sbyte)code); break;
            default: throw TypeMismatch(code, "an integer");
        }

        return signed >= 0 ? (ulong)signed : throw Overflow(start, signed, "UInt64");
    }

    /// <summary>Reads an integer that fits an <see cref="int"/>.</summary>
    /// <exception cref="MessagePackException">The next value is not an integer, does not fit, or the input has ended.</exception>
    public int ReadInt32()
    {
        long start = Consumed;
        long value = ReadInt64();
        return value is >= int.MinValue and <= int.MaxValue ? (int)value : throw Overflow(start, value, "Int32");
    }

    /// <summary>Reads an integer that fits a <see cref="short"/>.</summary>
    /// <exception cref="MessagePackException">The next value is not an integer, does not fit, or the input has ended.</exception>
    public short ReadInt16()
    {
        long start = Consumed;
        long value = ReadInt64();
        return value is >= short.MinValue and <= short.MaxValue ? (short)value : throw Overflow(start, value, "Int16");
    }

    /// <summary>Reads an integer that fits an <see cref="sbyte"/>.</summary>
    /// <exception cref="MessagePackException">The next value is not an integer, does not fit, or the input has ended.</exception>
    public sbyte ReadSByte()
    {
        long start = Consumed;
        long value = ReadInt64();
        return value is >= sbyte.MinValue and <= sbyte.MaxValue ? (sbyte)value : throw Overflow(start, value, "SByte");
    }

    /// <summary>Reads an integer that fits a <see cref="uint"/>.</summary>
    /// <exception cref="MessagePackException">The next value is not an integer, does not fit, or the input has ended.</exception>
    public uint ReadUInt32()
    {
        long start = Consumed;
        ulong value = ReadUInt64();
        return value <= uint.MaxValue ? (uint)value : throw Overflow(start, value, "UInt32");
    }

    /// <summary>Reads an integer that fits a <see cref="ushort"/>.</summary>
    /// <exception cref="MessagePackException">The next value is not an integer, does not fit, or the input has ended.</exception>
    public ushort ReadUInt16()
    {
        long start = Consumed;
        ulong value = ReadUInt64();
        return value <= ushort.MaxValue ? (ushort)value : throw Overflow(start, value, "UInt16");
    }

    /// <summary>Reads an integer that fits a <see cref="byte"/>.</summary>
    /// <exception cref="MessagePackException">The next value is not an integer, does not fit, or the input has ended.</exception>
    public byte ReadByte()
    {
        long start = Consumed;
        ulong value = ReadUInt64();
        return value <= byte.MaxValue ? (byte)value : throw Overflow(start, value, "Byte");
    }

    /// <summary>Reads a float32, a float64 or an integer as a <see cref="double"/> (see the remarks on the type for rounding).</summary>
    /// <exception cref="MessagePackException">The next value is not a number, or the input has ended.</exception>
    public double ReadDouble()
    {
        byte code = NextCode;
        switch (code)
        {
            case MessagePackCode.Float64:
                _pos++;
                return BitConverter.UInt64BitsToDouble(ReadUInt64Raw());
            case MessagePackCode.Float32:
                _pos++;
                return BitConverter.UInt32BitsToSingle(ReadUInt32Raw());
            case MessagePackCode.UInt64:
                return ReadUInt64();
            default:
                return MessagePackCode.ToType(code) == MessagePackType.Integer ? ReadInt64() : throw TypeMismatch(ReadCode(), "a number");
        }
    }

    /// <summary>Reads a float32, a float64 or an integer as a <see cref="float"/> (see the remarks on the type for rounding).</summary>
    /// <exception cref="MessagePackException">The next value is not a number, or the input has ended.</exception>
    public float ReadSingle()
    {
        byte code = NextCode;
        switch (code)
        {
            case MessagePackCode.Float32:
                _pos++;
                return BitConverter.UInt32BitsToSingle(ReadUInt32Raw());
            case MessagePackCode.Float64:
                _pos++;
                return (float)BitConverter.UInt64BitsToDouble(ReadUInt64Raw());
            case MessagePackCode.UInt64:
                return ReadUInt64();
            default:
                return MessagePackCode.ToType(code) == MessagePackType.Integer ? ReadInt64() : throw TypeMismatch(ReadCode(), "a number");
        }
    }
}
