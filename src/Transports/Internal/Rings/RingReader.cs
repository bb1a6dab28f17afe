using System.Buffers;
using System.Runtime.CompilerServices;

namespace IpcKit.Transports.Internal.Rings;

/// <summary>
/// The consumer end of a ring. One thread at a time. A whole message is handed out in place, and its bytes are given
/// back to the producer only at the next read, which is what keeps the returned memory valid until then. A message
/// that came in pieces is assembled in a reusable buffer.
/// </summary>
internal sealed unsafe class RingReader : IDisposable
{
    private readonly byte* _control;
    private readonly byte* _data;
    private readonly long _capacity;
    private readonly long _mask;
    private readonly int _maxMessageSize;
    private readonly bool _processPrivate;
    private readonly long _releaseBatch;
    private WakeupPublisher _publisher;
    private readonly InPlaceMemory _inPlace = new();
    private long _read;
    private long _published;
    private byte[] _assembly = [];
    private int _assembled;
    private int _total = -1; // length of the large message being assembled; -1 when none is

    public RingReader(byte* control, byte* data, long capacity, int maxMessageSize, bool processPrivate)
    {
        _control = control;
        _data = data;
        _capacity = capacity;
        _mask = capacity - 1;
        _maxMessageSize = maxMessageSize;
        _processPrivate = processPrivate;
        _releaseBatch = capacity / 8;
        _publisher = new WakeupPublisher(
            ReadPositionWord, (uint*)(control + RingLayout.ProducerWaiting), (uint*)(control + RingLayout.ProducerBarriers),
            (uint*)(control + RingLayout.ConsumerBarriers), processPrivate);

        _read = _published = (long)Volatile.Read(ref *ReadPositionWord);
    }

    public ulong* WritePositionWord => (ulong*)(_control + RingLayout.WritePosition);

    public ulong* ReadPositionWord => (ulong*)(_control + RingLayout.ReadPosition);

    public uint* WaitingFlag => (uint*)(_control + RingLayout.ConsumerWaiting);

    public uint* ProducerClosedFlag => (uint*)(_control + RingLayout.ProducerClosed);

    /// <summary>How the producer closed the ring: 0 (not yet), <see cref="RingLayout.ClosedCleanly"/> or <see cref="RingLayout.Aborted"/>.</summary>
    public uint ProducerClosedState => Volatile.Read(ref *ProducerClosedFlag);

    /// <summary>The write position at which the ring looked empty: what to wait on.</summary>
    public ulong ObservedWrite => (ulong)_read;

    /// <summary>The header word of the next record, <see cref="RingLayout.Empty"/> until the producer publishes it: what a caught-up reader polls.</summary>
    public uint* NextHeader => (uint*)(_data + (_read & _mask));

    /// <summary>True once giving space back has gone fence-free (the producer fences for both sides before it sleeps).</summary>
    public bool FenceFree => _publisher.FenceFree;

    /// <summary>True while part of a large message has been taken and the rest has not arrived.</summary>
    public bool InMessage => _total >= 0;

    /// <summary>Bytes the array that assembles large messages holds: what a connection costs beyond its rings.</summary>
    internal int AssemblyCapacity => _assembly.Length;

    /// <summary>Bytes of the large message assembled so far, and its length, for error messages.</summary>
    public (int Assembled, int Total) Progress => (_assembled, _total);

    /// <summary>
    /// Gives the space of the messages taken so far back to the producer, in batches of an eighth of the ring: the
    /// read position shares a cache line with nothing the producer writes, and storing it per message would pull that
    /// line across cores every time. Nothing can stall on the batching: <see cref="TryRead"/> gives everything back
    /// before it reports an empty ring, and a producer blocked on a full ring means there is data to read.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Release()
    {
        if (_read - _published >= _releaseBatch)
        {
            PublishRead();
        }
    }

    /// <summary>Takes the next message; false when the ring holds no complete one yet.</summary>
    /// <exception cref="FrameTooLargeException">A message declares more than the maximum message size.</exception>
    /// <exception cref="ProtocolViolationException">A record header is impossible.</exception>
    public bool TryRead(out ReadOnlyMemory<byte> message)
    {
        Release();
        while (true)
        {
            long offset = _read & _mask;
            byte* p = _data + offset;
            // Acquire: a header that is there brings its record's bytes with it (RingWriter stores it last).
            uint header = Volatile.Read(ref *(uint*)p);
            if (header == RingLayout.Empty)
            {
                // Everything taken must be given back before the caller sleeps, or a producer waiting for exactly
                // that space would sleep as well.
                if (_read != _published)
                {
                    PublishRead();
                }

                message = default;
                return false;
            }

            long toEnd = _capacity - offset;
            uint kind = header & RingLayout.KindMask;
            int length = (int)(header & RingLayout.LengthMask);
            if (kind == RingLayout.Padding)
            {
                _read += toEnd;
                continue;
            }

            if (kind == RingLayout.Whole && _total < 0)
            {
                long record = RingLayout.Align(4 + (long)length);
                if (length > _maxMessageSize)
                {
                    throw new FrameTooLargeException(length, _maxMessageSize);
                }

                Check(record <= toEnd, header);
                _read += record;
                message = _inPlace.Point(p + 4, length);
                return true;
            }

            if (TakePiece(kind, length, p, toEnd, header))
            {
                message = new ReadOnlyMemory<byte>(_assembly, 0, _total);
                _total = -1;
                return true;
            }
        }
    }

    public void Dispose()
    {
        ((IDisposable)_inPlace).Dispose();
        _assembly = [];
    }

    private bool TakePiece(uint kind, int length, byte* p, long toEnd, uint header)
    {
        long record = RingLayout.Align(8 + (long)length);
        Check(record <= toEnd, header);
        if (kind == RingLayout.Start && _total < 0)
        {
            int total = (int)Math.Min(*(uint*)(p + 4), int.MaxValue);
            if (total > _maxMessageSize)
            {
                throw new FrameTooLargeException(*(uint*)(p + 4), _maxMessageSize);
            }

            Check(length <= total, header);
            _total = total;
            _assembled = 0;
        }
        else
        {
            Check(kind == RingLayout.Piece && _total >= 0 && length <= _total - _assembled, header);
        }

        if (_assembly.Length < _assembled + length)
        {
            // Grow as pieces arrive, never to the declared total at once (issue 12): a peer that declares 64 MiB and
            // sends one piece costs what it sent. The array is kept for the next large message.
            byte[] next = GC.AllocateUninitializedArray<byte>((int)Math.Min(_total, Math.Max(_assembled + (long)length, 2L * _assembly.Length)));
            _assembly.AsSpan(0, _assembled).CopyTo(next);
            _assembly = next;
        }

        new ReadOnlySpan<byte>(p + 8, length).CopyTo(_assembly.AsSpan(_assembled));
        _assembled += length;
        _read += record;
        // A piece is copied out: give its space back at once, or a message larger than the ring could never finish.
        PublishRead();
        return _assembled == _total;
    }

    private void Check(bool condition, uint header)
    {
        if (!condition)
        {
            throw new ProtocolViolationException(
                $"The shared-memory ring holds an impossible record header 0x{header:X8} at position {_read}. The peer broke the ring protocol; dispose the connection.");
        }
    }

    private void PublishRead()
    {
        _published = _read;
        Volatile.Write(ref *ReadPositionWord, (ulong)_read);
        _publisher.Published(); // paired with the producer's sleep, as in RingWriter.Publish
    }

    /// <summary>Marks the consumer gone and wakes a producer waiting for space.</summary>
    public void Close()
    {
        Volatile.Write(ref *(uint*)(_control + RingLayout.ConsumerGone), 1u);
        Libc.FutexWakeAll((uint*)ReadPositionWord, _processPrivate);
    }

    /// <summary>
    /// Memory over a message that lies in the ring. One instance is re-pointed at every read: memory handed out earlier
    /// is only promised until the next read, and after dispose it throws instead of touching an unmapped page.
    /// </summary>
    private sealed class InPlaceMemory : MemoryManager<byte>
    {
        private byte* _pointer;
        private int _length;
        private volatile bool _disposed;

        public ReadOnlyMemory<byte> Point(byte* pointer, int length)
        {
            _pointer = pointer;
            _length = length;
            return CreateMemory(length);
        }

        public override Span<byte> GetSpan()
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return new Span<byte>(_pointer, _length);
        }

        public override MemoryHandle Pin(int elementIndex = 0)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return new MemoryHandle(_pointer + elementIndex);
        }

        public override void Unpin()
        {
        }

        protected override void Dispose(bool disposing) => _disposed = true;
    }
}
