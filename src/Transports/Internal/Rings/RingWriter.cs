using System.Runtime.CompilerServices;

namespace IpcKit.Transports.Internal.Rings;

/// <summary>
/// The producer end of a ring. One thread at a time (the connection serializes sends). Nothing here blocks: a write
/// that finds too little space returns false, and the caller waits on <see cref="ReadPositionWord"/> and retries.
/// Every record is published the same way (<see cref="RingLayout"/>): zero the header word where the next record
/// starts, write the bytes, release-store the header, then store the write position.
/// </summary>
internal sealed unsafe class RingWriter
{
    private readonly byte* _control;
    private readonly byte* _data;
    private readonly long _capacity;
    private readonly long _mask;
    private readonly long _wholeLimit;
    private readonly long _pieceLimit;
    private readonly bool _processPrivate;
    private WakeupPublisher _publisher;
    private long _write;
    private long _cachedRead;
    private int _streamed; // bytes of the current large message already written; 0 when none is in progress

    public RingWriter(byte* control, byte* data, long capacity, bool processPrivate)
    {
        _control = control;
        _data = data;
        _capacity = capacity;
        _mask = capacity - 1;
        _wholeLimit = RingLayout.WholeLimit(capacity);
        _pieceLimit = RingLayout.PieceLimit(capacity);
        _processPrivate = processPrivate;
        _publisher = new WakeupPublisher(
            WritePositionWord, (uint*)(control + RingLayout.ConsumerWaiting), (uint*)(control + RingLayout.ConsumerBarriers),
            (uint*)(control + RingLayout.ProducerBarriers), processPrivate);

        _write = (long)Volatile.Read(ref *WritePositionWord);
        _cachedRead = (long)Volatile.Read(ref *ReadPositionWord);
    }

    public ulong* WritePositionWord => (ulong*)(_control + RingLayout.WritePosition);

    public ulong* ReadPositionWord => (ulong*)(_control + RingLayout.ReadPosition);

    public uint* WaitingFlag => (uint*)(_control + RingLayout.ProducerWaiting);

    public uint* ConsumerGoneFlag => (uint*)(_control + RingLayout.ConsumerGone);

    /// <summary>The read position this side last saw: what to wait on when a write did not fit.</summary>
    public ulong ObservedRead => (ulong)_cachedRead;

    /// <summary>True once publishing has gone fence-free (the consumer fences for both sides before it sleeps).</summary>
    public bool FenceFree => _publisher.FenceFree;

    /// <summary>True while a large message is half written (a send that stops now leaves the peer mid-message).</summary>
    public bool InMessage => _streamed != 0;

    /// <summary>Writes the message, or as much of a large one as fits; true once all of it is published.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryWrite(ReadOnlySpan<byte> message)
    {
        long record = RingLayout.Align(4 + (long)message.Length);
        return record <= _wholeLimit && _streamed == 0 ? TryWriteWhole(message) : TryWriteStreamed(message);
    }

    /// <summary>The largest payload <see cref="TryClaim"/> takes: one whole record of at most a quarter of the ring, less 12 bytes (its header, and the zeroed header word kept free after it).</summary>
    public int ClaimLimit => (int)Math.Min(_wholeLimit - 4, int.MaxValue);

    /// <summary>
    /// Reserves room for a whole record of <paramref name="length"/> payload bytes at the write position and returns
    /// where the payload goes; false when the ring lacks the room (wait on <see cref="ObservedRead"/> and retry).
    /// Nothing is written and nothing is visible to the consumer until <see cref="PublishClaim"/>, so a claim that is
    /// never published leaves the ring as it was.
    /// </summary>
    /// <remarks>Same placement rule as a whole <see cref="TryWrite"/>: the record never wraps, so the payload is one
    /// contiguous span. Only valid for lengths up to <see cref="ClaimLimit"/> and with no streamed message half written.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryClaim(int length, out byte* payload)
    {
        long record = RingLayout.Align(4 + (long)length);
        long pos = _write;
        long offset = pos & _mask;
        long toEnd = _capacity - offset;
        long need = (record <= toEnd ? record : toEnd + record) + RingLayout.Terminator;
        if (pos + need - _cachedRead > _capacity)
        {
            _cachedRead = (long)Volatile.Read(ref *ReadPositionWord);
            if (pos + need - _cachedRead > _capacity)
            {
                payload = null;
                return false;
            }
        }

        payload = _data + (record <= toEnd ? offset : 0) + 4;
        return true;
    }

    /// <summary>
    /// Publishes the record whose payload <see cref="TryClaim"/> returned, with <paramref name="length"/> bytes (at
    /// most the claimed length, so the record still fits where it was reserved).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void PublishClaim(byte* payload, int length)
    {
        byte* header = payload - 4;
        long pos = _write;
        long at = pos & _mask;
        bool skipped = header - _data != at;
        if (skipped)
        {
            pos += _capacity - at; // the claim went to the start of the data area, behind a padding record
        }

        long end = pos + RingLayout.Align(4 + (long)length);
        *(uint*)(_data + (end & _mask)) = RingLayout.Empty;
        Volatile.Write(ref *(uint*)header, RingLayout.Whole | (uint)length);
        if (skipped)
        {
            // Last: the consumer, caught up at the old write position, follows the padding only to a published record.
            Volatile.Write(ref *(uint*)(_data + at), RingLayout.Padding);
        }

        Publish(end);
        WriteAhead(end);
    }

    /// <summary>Marks the ring closed for the consumer (the first way given wins) and wakes it.</summary>
    public void Close(uint how)
    {
        // Interlocked: a full fence, so every record published before is visible to whoever sees the flag.
        Interlocked.CompareExchange(ref *(uint*)(_control + RingLayout.ProducerClosed), how, 0u);
        Libc.FutexWakeAll((uint*)WritePositionWord, _processPrivate);
    }

    private bool TryWriteWhole(ReadOnlySpan<byte> message)
    {
        if (!TryClaim(message.Length, out byte* payload))
        {
            return false;
        }

        message.CopyTo(new Span<byte>(payload, message.Length));
        PublishClaim(payload, message.Length);
        return true;
    }

    private bool TryWriteStreamed(ReadOnlySpan<byte> message)
    {
        while (true)
        {
            long remaining = message.Length - _streamed;
            long want = Math.Min(RingLayout.Align(8 + remaining), _pieceLimit);
            long pos = _write;
            long free = _capacity - (pos - _cachedRead) - RingLayout.Terminator;
            if (free < want)
            {
                _cachedRead = (long)Volatile.Read(ref *ReadPositionWord);
                free = _capacity - (pos - _cachedRead) - RingLayout.Terminator;
                if (free < want)
                {
                    return false;
                }
            }

            long offset = pos & _mask;
            long toEnd = _capacity - offset;
            if (toEnd < 16)
            {
                // Too little room before the end for a header and a byte: skip to the start (free >= 16 > toEnd, so
                // the zeroed header word at offset 0 fits too).
                *(uint*)_data = RingLayout.Empty;
                Volatile.Write(ref *(uint*)(_data + offset), RingLayout.Padding);
                Publish(pos + toEnd);
                continue;
            }

            long room = Math.Min(Math.Min(free, toEnd), _pieceLimit);
            int chunk = (int)Math.Min(remaining, room - 8);
            long record = RingLayout.Align(8 + (long)chunk);
            byte* p = _data + offset;
            bool first = _streamed == 0;
            *(uint*)(p + 4) = first ? (uint)message.Length : 0;
            message.Slice(_streamed, chunk).CopyTo(new Span<byte>(p + 8, chunk));
            *(uint*)(_data + ((pos + record) & _mask)) = RingLayout.Empty;
            Volatile.Write(ref *(uint*)p, (first ? RingLayout.Start : RingLayout.Piece) | (uint)chunk);
            _streamed += chunk;
            Publish(pos + record);
            if (_streamed == message.Length)
            {
                _streamed = 0;
                return true;
            }
        }
    }

    /// <summary>
    /// Stores into the cache line after the one the next record starts in, if that line is free, so that the line is
    /// in this core's cache, writable, before the next record is written into it. Without this, a record whose bytes
    /// reach a line not written for a whole lap of the ring waits for that line to come from memory or the other
    /// core before its header may be published (stores become visible in order), and that wait lies on the path of
    /// every round trip. The stored word is never read: offset 60 of a line is no header's place (headers are
    /// 8-aligned) and lies past the write position, so the record that reaches it overwrites it first.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void WriteAhead(long end)
    {
        long line = (end + 64) & ~63L;
        if (line + 64 - _cachedRead <= _capacity)
        {
            *(uint*)(_data + (line & _mask) + 60) = 0;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Publish(long position)
    {
        _write = position;
        Volatile.Write(ref *WritePositionWord, (ulong)position);
        _publisher.Published();
    }
}
