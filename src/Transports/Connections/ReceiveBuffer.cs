using System.Buffers;

namespace IpcKit.Transports.Connections;

/// <summary>
/// The pooled buffer a byte-stream connection (a socket or pipe, or a spool file) reads into and hands messages out of:
/// bytes from <see cref="Start"/> to <see cref="End"/> have arrived and are not taken yet.
/// </summary>
/// <remarks>
/// It grows as bytes arrive, never to what a header declares (issue 12): a peer that sends a header declaring 64 MiB
/// and nothing more costs this side the initial 64 KiB, and a message of N bytes costs at most about 2 × N while it
/// arrives (the buffer doubles, and the pool rounds to a power of two). A large array is kept while large messages
/// keep coming, and given back (the buffer goes back to the initial size) once a small one has been taken: dropping it
/// after every large message made each 1 MiB message grow the array again from 64 KiB, copying most of it once more,
/// and read it in small pieces (1 MiB messages over a Unix socket ran at about half their C twin's rate).
/// </remarks>
internal sealed class ReceiveBuffer
{
    public const int InitialSize = 64 * 1024;
    private const int ShrinkAbove = 1024 * 1024;
    private const int MinimumRead = 4096;

    /// <summary>A record at least this large is read only up to its end, and never moved once part of it is here.</summary>
    private const int LargeRecord = 16 * 1024;

    private byte[] _array = ArrayPool<byte>.Shared.Rent(InitialSize);

    private int _lastTaken; // length of the last record handed out, header included

    public int Start { get; private set; }

    public int End { get; private set; }

    /// <summary>The bytes that have arrived and are not taken yet.</summary>
    public ReadOnlySpan<byte> Buffered => _array.AsSpan(Start, End - Start);

    /// <summary>Bytes moved to the front of the array to make room for a record: a second copy of bytes the kernel already copied once.</summary>
    public long CompactedBytes { get; private set; }

    /// <summary>Bytes copied into a larger array as the buffer grew (a copy the kernel's read did not make).</summary>
    public long GrowthCopiedBytes { get; private set; }

    /// <summary>Bytes the array holds: what the connection costs now.</summary>
    public int Size => _array.Length;

    /// <summary>Hands out <paramref name="length"/> bytes at <paramref name="offset"/> from the start, and drops everything up to their end.</summary>
    public ReadOnlyMemory<byte> Take(int offset, int length)
    {
        var taken = new ReadOnlyMemory<byte>(_array, Start + offset, length);
        Start += offset + length;
        _lastTaken = offset + length;
        return taken;
    }

    /// <summary>Drops <paramref name="count"/> bytes from the start.</summary>
    public void Skip(int count) => Start += count;

    /// <summary>
    /// Makes room to read more of a record that is <paramref name="needed"/> bytes in all (its header included, or just
    /// the header's size while that is incomplete), and returns the free tail to read into. Bytes handed out before
    /// may move or be overwritten: call this only once they are no longer valid (at the next receive).
    /// </summary>
    /// <remarks>
    /// Large records are never moved: a read of unknown extent takes at most <see cref="InitialSize"/> bytes, and a
    /// large record (<see cref="LargeRecord"/> or more) is read only up to its end, so it ends where the buffered bytes
    /// end and the array starts over at offset 0. The one case left, a large record that began in the tail of an
    /// array too small for it and one read more, doubles the array once instead of moving the record every time
    /// (which copied each 16–64 KiB message a second time).
    /// </remarks>
    public Memory<byte> PrepareFill(int needed)
    {
        int buffered = End - Start;
        if (buffered == 0)
        {
            Start = End = 0;
            if (_array.Length > ShrinkAbove && needed <= InitialSize && _lastTaken < LargeRecord)
            {
                Replace(InitialSize); // large messages are done with (a small one came since): give the big array back
            }
        }

        bool large = needed >= LargeRecord;
        if (Start > 0 && (_array.Length - Start < needed || (!large && _array.Length - End < MinimumRead)))
        {
            if (large && needed + (long)InitialSize <= 2L * _array.Length)
            {
                // Bounded by what has arrived: a whole record was taken from this array, and part of this one is here.
                Replace(2 * _array.Length);
            }
            else
            {
                // Move the partial record to the front, so that it can complete in place.
                _array.AsSpan(Start, buffered).CopyTo(_array);
                CompactedBytes += buffered;
                Start = 0;
                End = buffered;
            }
        }

        if (End == _array.Length)
        {
            // Full, and the record is longer: grow by what has arrived, never to what was declared.
            Replace((int)Math.Min(needed, Math.Min(2L * _array.Length, Array.MaxLength)));
        }

        int free = _array.Length - End;
        return _array.AsMemory(End, large ? Math.Min(free, needed - buffered) : Math.Min(free, InitialSize));
    }

    /// <summary>Counts <paramref name="count"/> bytes read into the tail <see cref="PrepareFill"/> returned.</summary>
    public void Advance(int count) => End += count;

    /// <summary>Gives the array back to the pool; nothing may use this buffer afterwards.</summary>
    public void Release()
    {
        ArrayPool<byte>.Shared.Return(_array);
        _array = [];
        Start = End = 0;
    }

    private void Replace(int size)
    {
        byte[] next = ArrayPool<byte>.Shared.Rent(size);
        int buffered = End - Start;
        _array.AsSpan(Start, buffered).CopyTo(next);
        GrowthCopiedBytes += size > _array.Length ? buffered : 0;
        ArrayPool<byte>.Shared.Return(_array);
        _array = next;
        Start = 0;
        End = buffered;
    }
}
