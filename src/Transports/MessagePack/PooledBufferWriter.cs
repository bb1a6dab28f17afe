using System.Buffers;

namespace IpcKit.Transports.MessagePack;

/// <summary>
/// An <see cref="IBufferWriter{T}"/> over arrays rented from <see cref="ArrayPool{T}.Shared"/>, with one instance cached
/// per thread, so that serializing a message to send allocates nothing once warm.
/// </summary>
internal sealed class PooledBufferWriter : IBufferWriter<byte>
{
    private const int InitialSize = 4096;

    /// <summary>A buffer grown past this is given back on <see cref="Return"/>, so one large message does not pin memory.</summary>
    private const int KeepAtMost = 1024 * 1024;

    [ThreadStatic]
    private static PooledBufferWriter? t_cached;

    private byte[] _buffer = [];
    private int _written;

    /// <summary>The bytes written so far.</summary>
    public ReadOnlyMemory<byte> WrittenMemory => _buffer.AsMemory(0, _written);

    /// <summary>Takes this thread's cached writer, or a new one. Give it back with <see cref="Return"/>.</summary>
    public static PooledBufferWriter Rent()
    {
        PooledBufferWriter? writer = t_cached;
        if (writer is null)
        {
            return new PooledBufferWriter();
        }

        t_cached = null;
        return writer;
    }

    /// <summary>Empties <paramref name="writer"/> and caches it on the current thread (which may differ from the renting one).</summary>
    public static void Return(PooledBufferWriter writer)
    {
        writer._written = 0;
        if (writer._buffer.Length > KeepAtMost)
        {
            ArrayPool<byte>.Shared.Return(writer._buffer);
            writer._buffer = [];
        }

        t_cached = writer;
    }

    /// <inheritdoc/>
    public void Advance(int count)
    {
        if ((uint)count > (uint)(_buffer.Length - _written))
        {
            throw new ArgumentOutOfRangeException(nameof(count), count, "Advanced past the end of the buffer.");
        }

        _written += count;
    }

    /// <inheritdoc/>
    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsMemory(_written);
    }

    /// <inheritdoc/>
    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsSpan(_written);
    }

    private void Ensure(int sizeHint)
    {
        int needed = Math.Max(sizeHint, 1);
        if (_buffer.Length - _written >= needed)
        {
            return;
        }

        int size = (int)Math.Min(Array.MaxLength, Math.Max((long)_written + needed, Math.Max(InitialSize, 2L * _buffer.Length)));
        byte[] larger = ArrayPool<byte>.Shared.Rent(size);
        _buffer.AsSpan(0, _written).CopyTo(larger);
        if (_buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
        }

        _buffer = larger;
    }
}
