using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Unicode;

namespace IpcKit.Transports.MessagePack;

/// <summary>
/// Writes MessagePack (https://github.com/msgpack/msgpack/blob/master/spec.md) into an <see cref="IBufferWriter{T}"/>,
/// always choosing the smallest encoding the specification allows for integers, lengths and timestamps.
/// </summary>
/// <remarks>
/// <para>The writer fills the span it got from <see cref="IBufferWriter{T}.GetSpan"/> and commits it with
/// <see cref="IBufferWriter{T}.Advance"/> only when it needs more room or when <see cref="Flush"/> is called.
/// <b>Call <see cref="Flush"/> when done</b>, or the last bytes are not committed to the output.</para>
/// <para>Floating-point values keep their width: a <see cref="float"/> is written as float32, a <see cref="double"/>
/// as float64, never narrowed. Strings are written as UTF-8; a string holding an unpaired surrogate cannot be
/// encoded and raises <see cref="ArgumentException"/>.</para>
/// </remarks>
public ref partial struct MessagePackWriter
{
    /// <summary>Strings up to this many chars are encoded in one pass into a worst-case sized span.</summary>
    private const int OnePassCharLimit = 4096;

    private readonly IBufferWriter<byte> _output;
    private Span<byte> _span;
    private int _buffered;

    /// <summary>Creates a writer that appends to <paramref name="output"/>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="output"/> is null.</exception>
    public MessagePackWriter(IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        _output = output;
        _span = default;
        _buffered = 0;
    }

    /// <summary>Commits every byte written so far to the output. Call it once at the end; calling it more often is harmless.</summary>
    public void Flush()
    {
        if (_buffered > 0)
        {
            _output.Advance(_buffered);
            _buffered = 0;
        }

        _span = default;
    }

    /// <summary>Writes nil (0xc0).</summary>
    public void WriteNil() => WriteByte(MessagePackCode.Nil);

    /// <summary>Writes true (0xc3) or false (0xc2).</summary>
    public void Write(bool value) => WriteByte(value ? MessagePackCode.True : MessagePackCode.False);

    /// <summary>Writes an integer in the smallest form that holds it.</summary>
    public void Write(sbyte value) => Write((long)value);

    /// <summary>Writes an integer in the smallest form that holds it.</summary>
    public void Write(short value) => Write((long)value);

    /// <summary>Writes an integer in the smallest form that holds it.</summary>
    public void Write(int value) => Write((long)value);

    /// <summary>Writes an integer in the smallest form that holds it.</summary>
    public void Write(byte value) => Write((ulong)value);

    /// <summary>Writes an integer in the smallest form that holds it.</summary>
    public void Write(ushort value) => Write((ulong)value);

    /// <summary>Writes an integer in the smallest form that holds it.</summary>
    public void Write(uint value) => Write((ulong)value);

    /// <summary>
    /// Writes an integer in the smallest form that holds it: a non-negative value as positive fixint or uint8–uint64,
    /// a negative one as negative fixint or int8–int64.
    /// </summary>
    public void Write(long value)
    {
        if (value >= 0)
        {
            Write((ulong)value);
        }
        else if (value >= -32)
        {
            WriteByte(unchecked((byte)value));
        }
        else if (value >= sbyte.MinValue)
        {
            Span<byte> s = Reserve(2);
            s[0] = MessagePackCode.Int8;
            s[1] = unchecked((byte)value);
            _buffered += 2;
        }
        else if (value >= short.MinValue)
        {
            Span<byte> s = Reserve(3);
            s[0] = MessagePackCode.Int16;
            BinaryPrimitives.WriteInt16BigEndian(s[1..], (short)value);
            _buffered += 3;
        }
        else if (value >= int.MinValue)
        {
            Span<byte> s = Reserve(5);
            s[0] = MessagePackCode.Int32;
            BinaryPrimitives.WriteInt32BigEndian(s[1..], (int)value);
            _buffered += 5;
        }
        else
        {
            Span<byte> s = Reserve(9);
            s[0] = MessagePackCode.Int64;
            BinaryPrimitives.WriteInt64BigEndian(s[1..], value);
            _buffered += 9;
        }
    }

    /// <summary>Writes an integer in the smallest form that holds it: positive fixint, uint8, uint16, uint32 or uint64.</summary>
    public void Write(ulong value)
    {
        if (value <= MessagePackCode.MaxPositiveFixInt)
        {
            WriteByte((byte)value);
        }
        else if (value <= byte.MaxValue)
        {
            Span<byte> s = Reserve(2);
            s[0] = MessagePackCode.UInt8;
            s[1] = (byte)value;
            _buffered += 2;
        }
        else if (value <= ushort.MaxValue)
        {
            WriteCodeAndUInt16(MessagePackCode.UInt16, (ushort)value);
        }
        else if (value <= uint.MaxValue)
        {
            WriteCodeAndUInt32(MessagePackCode.UInt32, (uint)value);
        }
        else
        {
            Span<byte> s = Reserve(9);
            s[0] = MessagePackCode.UInt64;
            BinaryPrimitives.WriteUInt64BigEndian(s[1..], value);
            _buffered += 9;
        }
    }

    /// <summary>Writes a float32 (0xca); NaN and infinities are written as they are.</summary>
    public void Write(float value)
    {
        Span<byte> s = Reserve(5);
        s[0] = MessagePackCode.Float32;
        BinaryPrimitives.WriteSingleBigEndian(s[1..], value);
        _buffered += 5;
    }

    /// <summary>Writes a float64 (0xcb); NaN and infinities are written as they are.</summary>
    public void Write(double value)
    {
        Span<byte> s = Reserve(9);
        s[0] = MessagePackCode.Float64;
        BinaryPrimitives.WriteDoubleBigEndian(s[1..], value);
        _buffered += 9;
    }

    /// <summary>Writes bytes as bin8, bin16 or bin32.</summary>
    public void WriteBinary(scoped ReadOnlySpan<byte> value)
    {
        WriteBinaryHeader(value.Length);
        WriteRaw(value);
    }

    /// <summary>Writes only the header of a bin of <paramref name="length"/> bytes; follow it with exactly that many bytes through <see cref="WriteRaw"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="length"/> is negative.</exception>
    public void WriteBinaryHeader(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        if (length <= byte.MaxValue)
        {
            Span<byte> s = Reserve(2);
            s[0] = MessagePackCode.Bin8;
            s[1] = (byte)length;
            _buffered += 2;
        }
        else if (length <= ushort.MaxValue)
        {
            WriteCodeAndUInt16(MessagePackCode.Bin16, (ushort)length);
        }
        else
        {
            WriteCodeAndUInt32(MessagePackCode.Bin32, (uint)length);
        }
    }

    /// <summary>Writes the header of an array of <paramref name="count"/> elements (fixarray, array16 or array32); write the elements next.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is negative.</exception>
    public void WriteArrayHeader(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (count <= 15)
        {
            WriteByte((byte)(MessagePackCode.MinFixArray | count));
        }
        else if (count <= ushort.MaxValue)
        {
            WriteCodeAndUInt16(MessagePackCode.Array16, (ushort)count);
        }
        else
        {
            WriteCodeAndUInt32(MessagePackCode.Array32, (uint)count);
        }
    }

    /// <summary>Writes the header of a map of <paramref name="count"/> entries (fixmap, map16 or map32); write key, value, key, value… next.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is negative.</exception>
    public void WriteMapHeader(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (count <= 15)
        {
            WriteByte((byte)(MessagePackCode.MinFixMap | count));
        }
        else if (count <= ushort.MaxValue)
        {
            WriteCodeAndUInt16(MessagePackCode.Map16, (ushort)count);
        }
        else
        {
            WriteCodeAndUInt32(MessagePackCode.Map32, (uint)count);
        }
    }

    /// <summary>Copies bytes to the output as they are. Use it after a Write*Header method, or to splice in already encoded MessagePack.</summary>
    public void WriteRaw(scoped ReadOnlySpan<byte> bytes)
    {
        while (!bytes.IsEmpty)
        {
            if (_span.Length == _buffered)
            {
                Grow(1);
            }

            int n = Math.Min(bytes.Length, _span.Length - _buffered);
            bytes[..n].CopyTo(_span[_buffered..]);
            _buffered += n;
            bytes = bytes[n..];
        }
    }

    private void WriteCodeAndUInt16(byte code, ushort value)
    {
        Span<byte> s = Reserve(3);
        s[0] = code;
        BinaryPrimitives.WriteUInt16BigEndian(s[1..], value);
        _buffered += 3;
    }

    private void WriteCodeAndUInt32(byte code, uint value)
    {
        Span<byte> s = Reserve(5);
        s[0] = code;
        BinaryPrimitives.WriteUInt32BigEndian(s[1..], value);
        _buffered += 5;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void WriteByte(byte value)
    {
        if (_buffered == _span.Length)
        {
            Grow(1);
        }

        _span[_buffered++] = value;
    }

    /// <summary>Returns at least <paramref name="size"/> bytes of free space at the write position, without committing them.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private Span<byte> Reserve(int size)
    {
        if (_span.Length - _buffered < size)
        {
            Grow(size);
        }

        return _span[_buffered..];
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Grow(int size)
    {
        if (_output is null)
        {
            throw new InvalidOperationException("This MessagePackWriter was default-constructed; create it with an IBufferWriter<byte>.");
        }

        if (_buffered > 0)
        {
            _output.Advance(_buffered);
            _buffered = 0;
        }

        _span = _output.GetSpan(size);
        if (_span.Length < size)
        {
            throw new InvalidOperationException($"The IBufferWriter<byte> returned {_span.Length} bytes where at least {size} were requested.");
        }
    }
}
