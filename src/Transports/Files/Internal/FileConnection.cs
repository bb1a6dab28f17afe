using System.Buffers.Binary;
using System.Diagnostics;
using IpcKit.Transports.Connections;
using IpcKit.Transports.Internal;
using Microsoft.Win32.SafeHandles;

namespace IpcKit.Transports.Files.Internal;

/// <summary>
/// A connection over two spool files: this side appends records to one and follows the other by polling its length.
/// A received message is a slice of a reusable buffer, valid until the next receive. The state every connection
/// shares is in <see cref="ConnectionCore"/>; the buffer grows as records arrive (<see cref="ReceiveBuffer"/>).
/// </summary>
internal sealed class FileConnection : IConnection
{
    private const int CoalesceLimit = 16 * 1024;
    private static readonly long s_peerCheckTicks = Stopwatch.Frequency / 10;

    private const long ReleaseFrom = 4096;
    private const long ReleaseStep = 4 << 20;
    private readonly SafeFileHandle _out;
    private readonly SafeFileHandle _in;
    private readonly ProcessIdentity _peer;
    private readonly bool _fsync;
    private readonly string[] _paths;
    private readonly Action? _onDispose;
    private readonly ConnectionCore _core;
    private readonly byte[] _sendBuffer = new byte[Spool.RecordHeaderSize + CoalesceLimit];
    private readonly ReceiveBuffer _received = new();
    private readonly string _name;
    private long _outOffset = Spool.HeaderSize;
    private long _inOffset = Spool.HeaderSize;
    private long _released = ReleaseFrom; // the input spool's blocks below this have been given back
    private bool _ended;

    public FileConnection(Endpoint endpoint, SafeFileHandle output, SafeFileHandle input, ProcessIdentity peer, bool fsync, int maxMessageSize, string[] paths, Action? onDispose)
    {
        _core = new ConnectionCore(endpoint, maxMessageSize, withSendLock: true);
        _out = output;
        _in = input;
        _peer = peer;
        _fsync = fsync;
        _paths = paths;
        _onDispose = onDispose;
        _name = _core.Name;
    }

    public Endpoint Endpoint => _core.Endpoint;

    public int MaxMessageSize => _core.MaxMessageSize;

    public CancellationToken Closed => _core.Closed;

    public void Send(ReadOnlySpan<byte> message)
    {
        _core.CheckSendable(message.Length);
        _core.EnterSend();
        try
        {
            Append((uint)message.Length, message);
        }
        finally
        {
            _core.ExitSend();
        }
    }

    public async ValueTask SendAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken = default)
    {
        _core.CheckSendable(message.Length, cancellationToken);
        await _core.EnterSendAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // An append to a local file does not wait for the peer; doing it inline keeps records whole.
            Append((uint)message.Length, message.Span);
        }
        finally
        {
            _core.ExitSend();
        }
    }

    public ReadOnlyMemory<byte>? Receive()
    {
        _core.EnterReceive();
        try
        {
            long nextPeerCheck = Stopwatch.GetTimestamp() + s_peerCheckTicks;
            for (int idle = 0; ; idle++)
            {
                if (TryReceive(out var message, ref nextPeerCheck))
                {
                    return message;
                }

                // Polling: a few yields for a peer that is about to write, then 1 ms sleeps.
                if (idle < 50)
                {
                    Thread.Yield();
                }
                else
                {
                    Thread.Sleep(1);
                }
            }
        }
        finally
        {
            _core.ExitReceive();
        }
    }

    public async ValueTask<ReadOnlyMemory<byte>?> ReceiveAsync(CancellationToken cancellationToken = default)
    {
        _core.EnterReceive(cancellationToken);
        try
        {
            long nextPeerCheck = Stopwatch.GetTimestamp() + s_peerCheckTicks;
            while (true)
            {
                if (TryReceive(out var message, ref nextPeerCheck))
                {
                    return message;
                }

                // Cancelling here loses nothing: unread bytes stay in the file and in the buffer.
                await Task.Delay(1, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            _core.ExitReceive();
        }
    }

    public void Abort()
    {
        if (_core.TryStop(ConnectionCore.Aborted))
        {
            TryWriteMarker(Spool.AbortedMarker);
            _core.SignalClosed();
        }
    }

    public void Dispose()
    {
        int previous = _core.MarkDisposed();
        if (previous == ConnectionCore.Disposed)
        {
            return;
        }

        if (previous == ConnectionCore.Open)
        {
            TryWriteMarker(Spool.ClosedMarker);
        }

        _core.SignalClosed();
        _out.Dispose();
        _in.Dispose();
        foreach (string path in _paths)
        {
            Spool.Delete(path);
        }

        if (!_core.ReceivingAfterStop())
        {
            _received.Release();
        }

        _onDispose?.Invoke();
    }

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>One step of a receive: a message (or the end) if the file has one, false when the caller should wait.</summary>
    private bool TryReceive(out ReadOnlyMemory<byte>? message, ref long nextPeerCheck)
    {
        if (_core.IsStopped)
        {
            throw _core.LocallyClosed("receive");
        }

        message = null;
        if (_ended || TryTake(out message))
        {
            return true;
        }

        if (Fill() > 0)
        {
            return TryTake(out message);
        }

        if (Stopwatch.GetTimestamp() > nextPeerCheck)
        {
            nextPeerCheck = Stopwatch.GetTimestamp() + s_peerCheckTicks;
            if (!_peer.IsAlive() && Fill() == 0)
            {
                _core.SignalClosed();
                throw new ConnectionClosedException(!_received.Buffered.IsEmpty
                    ? $"The peer process {_peer} of {_name} died in the middle of a message ({_received.Buffered.Length} bytes of it had been written)."
                    : $"The peer process {_peer} of {_name} exited without closing the connection.");
            }
        }

        return false;
    }

    private bool TryTake(out ReadOnlyMemory<byte>? message)
    {
        message = null;
        var available = _received.Buffered;
        if (available.Length < Spool.RecordHeaderSize)
        {
            return false;
        }

        uint length = BinaryPrimitives.ReadUInt32LittleEndian(available);
        uint crc = BinaryPrimitives.ReadUInt32LittleEndian(available[4..]);
        if (length is Spool.ClosedMarker or Spool.AbortedMarker)
        {
            CheckCrc(crc, available[..4], []);
            _received.Skip(Spool.RecordHeaderSize);
            _ended = true;
            _core.SignalClosed();
            if (length == Spool.AbortedMarker)
            {
                throw new ConnectionClosedException($"The peer at {_name} aborted the connection.");
            }

            return true;
        }

        if (length > MaxMessageSize)
        {
            _core.SignalClosed();
            throw new FrameTooLargeException(length, MaxMessageSize);
        }

        if (available.Length - Spool.RecordHeaderSize < length)
        {
            return false;
        }

        var payload = available.Slice(Spool.RecordHeaderSize, (int)length);
        CheckCrc(crc, available[..4], payload);
        message = _received.Take(Spool.RecordHeaderSize, (int)length);
        return true;
    }

    private void CheckCrc(uint expected, ReadOnlySpan<byte> lengthBytes, ReadOnlySpan<byte> payload)
    {
        uint actual = Spool.Checksum(lengthBytes, payload);
        if (actual != expected)
        {
            _core.SignalClosed();
            throw new ProtocolViolationException(
                $"A record in the spool of {_name} at offset {_inOffset - _received.Buffered.Length} is corrupt: its CRC-32C is 0x{actual:X8}, the record says 0x{expected:X8}.");
        }
    }

    /// <summary>Reads what the file has beyond what is buffered; the bytes handed out last are dropped first.</summary>
    private int Fill()
    {
        var buffered = _received.Buffered;
        int needed = Spool.RecordHeaderSize;
        if (buffered.Length >= Spool.RecordHeaderSize)
        {
            uint length = BinaryPrimitives.ReadUInt32LittleEndian(buffered);
            needed = length > MaxMessageSize ? Spool.RecordHeaderSize : Spool.RecordHeaderSize + (int)length;
        }

        Memory<byte> free = _received.PrepareFill(needed);
        int n;
        try
        {
            n = RandomAccess.Read(_in, free.Span, _inOffset);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            throw new ConnectionClosedException($"Reading the spool of {_name} failed: {e.Message}", e);
        }

        _inOffset += n;
        _received.Advance(n);
        ReleaseRead();
        return n;
    }

    /// <summary>
    /// Gives the file system back the blocks of the input spool that are read (everything before <c>_inOffset</c> is
    /// in memory now), in steps of <see cref="ReleaseStep"/>: the file keeps its size and offsets, but a long-lived
    /// connection no longer fills the disk. The first page, with the header, stays. A file system that cannot punch
    /// holes is left alone after the first refusal.
    /// </summary>
    private void ReleaseRead()
    {
        long upTo = _inOffset & ~(ReleaseFrom - 1);
        if (_released < 0 || upTo - _released < ReleaseStep)
        {
            return;
        }

        int errno = Libc.PunchHole(_in, _released, upTo - _released);
        _released = errno == 0 ? upTo : -1;
    }

    private void Append(uint length, ReadOnlySpan<byte> payload)
    {
        try
        {
            if (payload.Length <= CoalesceLimit)
            {
                Spool.WriteRecordHeader(_sendBuffer, length, payload);
                payload.CopyTo(_sendBuffer.AsSpan(Spool.RecordHeaderSize));
                RandomAccess.Write(_out, _sendBuffer.AsSpan(0, Spool.RecordHeaderSize + payload.Length), _outOffset);
            }
            else
            {
                // Header first: a reader that sees it waits for the rest (writing the payload first would leave a hole
                // of zeros where the header goes, which a reader could take for a record).
                Spool.WriteRecordHeader(_sendBuffer, length, payload);
                RandomAccess.Write(_out, _sendBuffer.AsSpan(0, Spool.RecordHeaderSize), _outOffset);
                RandomAccess.Write(_out, payload, _outOffset + Spool.RecordHeaderSize);
            }

            _outOffset += Spool.RecordHeaderSize + payload.Length;
            if (_fsync)
            {
                RandomAccess.FlushToDisk(_out);
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            _core.SignalClosed();
            throw new ConnectionClosedException($"Writing the spool of {_name} failed: {e.Message}", e);
        }
    }

    private void TryWriteMarker(uint marker)
    {
        if (!_core.TryEnterSend(TimeSpan.FromSeconds(2)))
        {
            return;
        }

        try
        {
            Append(marker, []);
        }
        catch (ConnectionClosedException)
        {
        }
        finally
        {
            _core.ExitSend();
        }
    }
}
