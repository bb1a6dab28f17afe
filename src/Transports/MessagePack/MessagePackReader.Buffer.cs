using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.CompilerServices;

namespace IpcKit.Transports.MessagePack;

/// <content>Moving through the segments of the input, and the errors the reader raises.</content>
public ref partial struct MessagePackReader
{
    /// <summary>Reads <paramref name="count"/> bytes as they are, e.g. an extension's payload after <see cref="ReadExtensionHeader"/>.</summary>
    /// <returns>A slice of the input, valid as long as the input is.</returns>
    /// <exception cref="MessagePackException">Fewer than <paramref name="count"/> bytes remain.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is negative.</exception>
    public ReadOnlySequence<byte> ReadRaw(long count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (count <= _span.Length - _pos)
        {
            var inSegment = new ReadOnlySequence<byte>(_memory.Slice(_pos, (int)count));
            _pos += (int)count;
            return inSegment;
        }

        if (count > Remaining)
        {
            throw Truncated(count);
        }

        ReadOnlySequence<byte> slice = _sequence.Slice(_sequence.GetPosition(_pos, _spanPosition), count);
        Advance(count);
        return slice;
    }

    /// <summary>Reads the next value whole, without decoding it, as its encoded bytes (to forward or store it).</summary>
    /// <exception cref="MessagePackException">The value is malformed, over a limit, or truncated.</exception>
    public ReadOnlySequence<byte> ReadRawValue()
    {
        SequencePosition start = _sequence.GetPosition(_pos, _spanPosition);
        long startOffset = Consumed;
        Skip();
        return _sequence.Slice(start, Consumed - startOffset);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private byte ReadCode()
    {
        if (_pos < _span.Length)
        {
            return _span[_pos++];
        }

        EnsureAtLeast(1);
        return _span[_pos++];
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private byte ReadByteRaw()
    {
        if (_pos < _span.Length)
        {
            return _span[_pos++];
        }

        EnsureAtLeast(1);
        return _span[_pos++];
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ushort ReadUInt16Raw()
    {
        if (_span.Length - _pos >= 2)
        {
            ushort v = BinaryPrimitives.ReadUInt16BigEndian(_span[_pos..]);
            _pos += 2;
            return v;
        }

        return ReadUInt16Slow();
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    [SkipLocalsInit]
    private ushort ReadUInt16Slow()
    {
        Span<byte> tmp = stackalloc byte[2];
        CopyAcrossSegments(tmp);
        return BinaryPrimitives.ReadUInt16BigEndian(tmp);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private uint ReadUInt32Raw()
    {
        if (_span.Length - _pos >= 4)
        {
            uint v = BinaryPrimitives.ReadUInt32BigEndian(_span[_pos..]);
            _pos += 4;
            return v;
        }

        return ReadUInt32Slow();
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    [SkipLocalsInit]
    private uint ReadUInt32Slow()
    {
        Span<byte> tmp = stackalloc byte[4];
        CopyAcrossSegments(tmp);
        return BinaryPrimitives.ReadUInt32BigEndian(tmp);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ulong ReadUInt64Raw()
    {
        if (_span.Length - _pos >= 8)
        {
            ulong v = BinaryPrimitives.ReadUInt64BigEndian(_span[_pos..]);
            _pos += 8;
            return v;
        }

        return ReadUInt64Slow();
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    [SkipLocalsInit]
    private ulong ReadUInt64Slow()
    {
        Span<byte> tmp = stackalloc byte[8];
        CopyAcrossSegments(tmp);
        return BinaryPrimitives.ReadUInt64BigEndian(tmp);
    }

    /// <summary>Moves forward <paramref name="count"/> bytes, which the caller has checked are there.</summary>
    private void Advance(long count)
    {
        while (true)
        {
            int available = _span.Length - _pos;
            if (count <= available)
            {
                _pos += (int)count;
                return;
            }

            count -= available;
            _pos = _span.Length;
            if (!LoadNextSegment())
            {
                throw Truncated(count);
            }
        }
    }

    /// <summary>Makes sure the current segment has at least one unread byte.</summary>
    private void EnsureAtLeast(int count)
    {
        while (_pos == _span.Length)
        {
            if (!LoadNextSegment())
            {
                throw Truncated(count);
            }
        }
    }

    /// <summary>Fills <paramref name="destination"/> from the input, crossing segments as needed.</summary>
    private void CopyAcrossSegments(scoped Span<byte> destination)
    {
        if (destination.Length > Remaining)
        {
            throw Truncated(destination.Length);
        }

        int copied = 0;
        while (copied < destination.Length)
        {
            if (_pos == _span.Length)
            {
                _ = LoadNextSegment();
            }

            int n = Math.Min(_span.Length - _pos, destination.Length - copied);
            _span.Slice(_pos, n).CopyTo(destination[copied..]);
            _pos += n;
            copied += n;
        }
    }

    /// <summary>Moves to the next non-empty segment, once the current one is fully read. False when there is none.</summary>
    private bool LoadNextSegment()
    {
        while (true)
        {
            SequencePosition position = _nextSegment;
            if (position.GetObject() is null || !_sequence.TryGet(ref _nextSegment, out ReadOnlyMemory<byte> memory, advance: true))
            {
                return false;
            }

            _spanStart += _span.Length;
            _memory = memory;
            _span = memory.Span;
            _pos = 0;
            _spanPosition = position;
            if (!_span.IsEmpty)
            {
                return true;
            }
        }
    }

    /// <summary>Checks a declared length against a limit and against what remains; <paramref name="headerOffset"/> is where the value starts.</summary>
    private readonly void CheckDeclaredLength(long declared, int limit, string what, string limitName, long headerOffset)
    {
        if (declared > limit)
        {
            throw new MessagePackException(headerOffset,
                $"the {what} declares a length of {declared.ToString(CultureInfo.InvariantCulture)}, over the limit of " +
                $"{limit.ToString(CultureInfo.InvariantCulture)} set by MessagePackReaderOptions.{limitName}.");
        }

        if (declared > Remaining)
        {
            throw new MessagePackException(headerOffset,
                $"the {what} declares {declared.ToString(CultureInfo.InvariantCulture)} bytes but only " +
                $"{Remaining.ToString(CultureInfo.InvariantCulture)} remain in the input.");
        }
    }

    /// <summary>Checks an array or map count: against the limit, and against what remains (each element takes at least one byte).</summary>
    private readonly void CheckCollectionLength(long count, long minimumBytes, string what, long headerOffset)
    {
        if (count > _options.MaxCollectionLength)
        {
            throw new MessagePackException(headerOffset,
                $"the {what} declares {count.ToString(CultureInfo.InvariantCulture)} elements, over the limit of " +
                $"{_options.MaxCollectionLength.ToString(CultureInfo.InvariantCulture)} set by MessagePackReaderOptions.MaxCollectionLength.");
        }

        if (minimumBytes > Remaining)
        {
            throw new MessagePackException(headerOffset,
                $"the {what} declares {count.ToString(CultureInfo.InvariantCulture)} elements, which need at least " +
                $"{minimumBytes.ToString(CultureInfo.InvariantCulture)} bytes, but only {Remaining.ToString(CultureInfo.InvariantCulture)} remain in the input.");
        }
    }

    private readonly MessagePackException Truncated(long needed) =>
        new(Consumed, $"the input ends too early: {needed.ToString(CultureInfo.InvariantCulture)} more byte(s) were needed " +
                      $"but {Remaining.ToString(CultureInfo.InvariantCulture)} remain.");

    /// <summary>The error for a first byte (already consumed) that is not what the caller asked for.</summary>
    private readonly MessagePackException TypeMismatch(byte code, string expected) =>
        code == MessagePackCode.NeverUsed
            ? new(Consumed - 1, "found 0xc1, a byte the MessagePack specification never uses.")
            : new(Consumed - 1, $"expected {expected} but found {MessagePackCode.Describe(code)}.");

    private static MessagePackException Overflow(long offset, long value, string type) =>
        Overflow(offset, value.ToString(CultureInfo.InvariantCulture), type);

    private static MessagePackException Overflow(long offset, ulong value, string type) =>
        Overflow(offset, value.ToString(CultureInfo.InvariantCulture), type);

    private static MessagePackException Overflow(long offset, string value, string type) =>
        new(offset, $"the integer {value} does not fit in {type}.");

    private readonly MessagePackException DepthExceeded(long offset) =>
        new(offset, $"arrays and maps nest deeper than the limit of {_options.MaxDepth.ToString(CultureInfo.InvariantCulture)} " +
                    "set by MessagePackReaderOptions.MaxDepth.");
}
