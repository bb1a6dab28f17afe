using System.Net.Sockets;
using System.Runtime.CompilerServices;
using IpcKit.Transports.Framing;
using IpcKit.Transports.Internal;

namespace IpcKit.Transports.Connections;

/// <summary>
/// An <see cref="IConnection"/> over one or two byte streams, framed by <see cref="LengthPrefixFramer"/>.
/// Every byte-stream transport (named pipes, anonymous pipes, Unix sockets, TCP) is this class plus a way to open streams.
/// </summary>
/// <remarks>
/// Receiving reads as much as the kernel has into one pooled buffer and hands out slices of it, so a burst of small
/// messages costs one read syscall and no allocation; frames are cut with <see cref="LengthPrefixFramer.TryReadHeader"/>,
/// the header rule of <see cref="LengthPrefixFramer.TryReadFrame"/> (which the framer tests check at every truncation),
/// applied to the one contiguous buffer. A receive cancelled while a read is in flight leaves that
/// read running as <see cref="_pendingFill"/>; the next receive adopts its bytes, so cancellation never loses data.
/// </remarks>
internal sealed class FramedStreamConnection : IConnection
{
    private const int CoalesceLimit = 16 * 1024;

    private readonly ConnectionCore _core;
    private readonly Stream _input;
    private readonly Stream _output;
    private readonly Socket? _socket;
    private readonly Action? _onDispose;
    private readonly byte[] _sendBuffer = new byte[LengthPrefixFramer.HeaderSize + CoalesceLimit];
    private readonly ReceiveBuffer _received = new();
    private bool _endOfStream;
    private Task<int>? _pendingFill;
    private int _disposed;
    private int _streamsClosed;

    /// <param name="endpoint">What to report as the connection's endpoint.</param>
    /// <param name="input">The stream read from.</param>
    /// <param name="output">The stream written to (the same object as <paramref name="input"/> for duplex streams).</param>
    /// <param name="maxMessageSize">The frame size limit.</param>
    /// <param name="socket">The socket under the streams, if any, so that dispose can shut it down gracefully.</param>
    /// <param name="onDispose">Runs once after the streams are closed.</param>
    public FramedStreamConnection(Endpoint endpoint, Stream input, Stream output, int maxMessageSize, Socket? socket = null, Action? onDispose = null)
    {
        _core = new ConnectionCore(endpoint, maxMessageSize, withSendLock: true);
        _input = input;
        _output = output;
        _socket = socket;
        _onDispose = onDispose;
    }

    /// <summary>A connection over a connected stream socket, which it owns.</summary>
    internal static FramedStreamConnection OverSocket(Endpoint endpoint, Socket socket, int maxMessageSize)
    {
        // Blocking receives and sends are one read(2)/write(2) on the descriptor (Internal/DescriptorStream.cs says why).
        var stream = new DescriptorStream(new NetworkStream(socket, ownsSocket: true), socket.SafeHandle, isSocket: true);
        return new FramedStreamConnection(endpoint, stream, stream, maxMessageSize, socket);
    }

    public Endpoint Endpoint => _core.Endpoint;

    public int MaxMessageSize => _core.MaxMessageSize;

    public CancellationToken Closed => _core.Closed;

    /// <summary>Bytes the receive buffer holds now: what this connection costs beyond its fixed part.</summary>
    internal int ReceiveBufferSize => _received.Size;

    /// <summary>Bytes moved inside the receive buffer so far (<see cref="ReceiveBuffer.CompactedBytes"/>).</summary>
    internal long CompactedBytes => _received.CompactedBytes;

    /// <summary>Bytes copied as the receive buffer grew (<see cref="ReceiveBuffer.GrowthCopiedBytes"/>).</summary>
    internal long GrowthCopiedBytes => _received.GrowthCopiedBytes;

    public void Send(ReadOnlySpan<byte> message)
    {
        _core.CheckSendable(message.Length);
        _core.EnterSend();
        try
        {
            // One write per small message: one syscall, and no header segment left waiting on its own.
            int head = Frame(message);
            _output.Write(_sendBuffer, 0, head);
            if (head == LengthPrefixFramer.HeaderSize)
            {
                _output.Write(message);
            }
        }
        catch (Exception e) when (IsStreamFailure(e))
        {
            throw Fail("send", e);
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
            int head = Frame(message.Span);
            await _output.WriteAsync(_sendBuffer.AsMemory(0, head), cancellationToken).ConfigureAwait(false);
            if (head == LengthPrefixFramer.HeaderSize)
            {
                await _output.WriteAsync(message, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Part of the frame may be on the wire; the stream cannot be resynchronized.
            Abort();
            throw;
        }
        catch (Exception e) when (IsStreamFailure(e))
        {
            throw Fail("send", e);
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
            if (_pendingFill is { } pending)
            {
                _pendingFill = null;
                Account(Awaited(pending));
            }

            while (true)
            {
                if (TryTakeFrame(out var frame))
                {
                    return frame;
                }

                Memory<byte> free = PrepareFill();
                int n;
                try
                {
                    n = _input.Read(free.Span);
                }
                catch (Exception e) when (IsStreamFailure(e))
                {
                    throw Fail("receive", e);
                }

                Account(n);
            }
        }
        finally
        {
            _core.ExitReceive();
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<ReadOnlyMemory<byte>?> ReceiveAsync(CancellationToken cancellationToken = default)
    {
        _core.EnterReceive(cancellationToken);
        try
        {
            if (_pendingFill is { } pending)
            {
                int got = await AwaitedAsync(new ValueTask<int>(pending.WaitAsync(cancellationToken))).ConfigureAwait(false);
                _pendingFill = null;
                Account(got);
            }

            while (true)
            {
                if (TryTakeFrame(out var frame))
                {
                    return frame;
                }

                cancellationToken.ThrowIfCancellationRequested();
                Memory<byte> free = PrepareFill();
                ValueTask<int> read;
                try
                {
                    read = _input.ReadAsync(free, CancellationToken.None);
                }
                catch (Exception e) when (IsStreamFailure(e))
                {
                    throw Fail("receive", e);
                }

                if (read.IsCompleted || !cancellationToken.CanBeCanceled)
                {
                    Account(await AwaitedAsync(read).ConfigureAwait(false));
                    continue;
                }

                // Keep the read so that a cancellation here hands its bytes to the next receive.
                Task<int> task = read.AsTask();
                _pendingFill = task;
                int n = await AwaitedAsync(new ValueTask<int>(task.WaitAsync(cancellationToken))).ConfigureAwait(false);
                _pendingFill = null;
                Account(n);
            }
        }
        finally
        {
            _core.ExitReceive();
        }
    }

    public void Abort()
    {
        _core.TryStop(ConnectionCore.Aborted);
        CloseStreams(graceful: false);
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        bool aborted = _core.MarkDisposed() == ConnectionCore.Aborted;
        CloseStreams(graceful: !aborted);
        if (_pendingFill is null && !_core.ReceivingAfterStop())
        {
            _received.Release();
        }
    }

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>Writes the header, and a small message after it, into the send buffer; returns how many bytes to write from it.</summary>
    private int Frame(ReadOnlySpan<byte> message)
    {
        LengthPrefixFramer.WriteHeader(_sendBuffer, message.Length);
        if (message.Length > CoalesceLimit)
        {
            return LengthPrefixFramer.HeaderSize;
        }

        message.CopyTo(_sendBuffer.AsSpan(LengthPrefixFramer.HeaderSize));
        return LengthPrefixFramer.HeaderSize + message.Length;
    }

    private void CloseStreams(bool graceful)
    {
        _core.SignalClosed();
        if (Interlocked.Exchange(ref _streamsClosed, 1) != 0)
        {
            return;
        }

        try
        {
            if (graceful && _socket is not null)
            {
                // FIN after the queued data, so the peer reads everything we sent and then a clean end of stream.
                _socket.Shutdown(SocketShutdown.Send);
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }

        _input.Dispose();
        if (!ReferenceEquals(_input, _output))
        {
            _output.Dispose();
        }

        _socket?.Dispose();
        _onDispose?.Invoke();
    }

    /// <summary>
    /// One step of a receive, shared by the blocking and async paths: the next frame if the buffer holds all of it, the
    /// end of stream (null) when the peer closed at a frame boundary, or false when more bytes are needed.
    /// </summary>
    private bool TryTakeFrame(out ReadOnlyMemory<byte>? frame)
    {
        // The buffer is one array, so the frame is cut from a span with the framer's header function: the same
        // rule as LengthPrefixFramer.TryReadFrame, without building a ReadOnlySequence on every receive.
        var buffered = _received.Buffered;
        bool header;
        int length;
        try
        {
            header = LengthPrefixFramer.TryReadHeader(buffered, MaxMessageSize, out length);
        }
        catch (ProtocolViolationException)
        {
            // The stream cannot be resynchronized after a bad header: the connection is as good as closed.
            _core.SignalClosed();
            throw;
        }

        if (header && buffered.Length - LengthPrefixFramer.HeaderSize >= length)
        {
            frame = _received.Take(LengthPrefixFramer.HeaderSize, length);
            return true;
        }

        frame = null;
        return _endOfStream && EndOfStream();
    }

    /// <summary>Makes room for the rest of the current frame and returns the free tail of the buffer.</summary>
    private Memory<byte> PrepareFill()
    {
        int needed = LengthPrefixFramer.TryReadHeader(_received.Buffered, MaxMessageSize, out int length)
            ? LengthPrefixFramer.HeaderSize + length
            : LengthPrefixFramer.HeaderSize;
        return _received.PrepareFill(needed);
    }

    private void Account(int bytesRead)
    {
        if (bytesRead == 0)
        {
            _endOfStream = true;
        }
        else
        {
            _received.Advance(bytesRead);
        }
    }

    /// <summary>
    /// At end of stream: true (the caller returns null) when the peer closed between frames; otherwise a typed error.
    /// This side's abort or dispose, closing the stream under a read in flight, often wakes that read with end of stream
    /// rather than an error: that end is this side's doing, not the peer's clean close, so it is the same error as when
    /// the read fails.
    /// </summary>
    private bool EndOfStream()
    {
        _core.SignalClosed();
        if (_core.IsStopped)
        {
            throw _core.LocallyClosed("receive");
        }

        var buffered = _received.Buffered;
        if (buffered.IsEmpty)
        {
            return true;
        }

        string detail = LengthPrefixFramer.TryReadHeader(buffered, MaxMessageSize, out int length)
            ? $"{buffered.Length - LengthPrefixFramer.HeaderSize} of {length} payload bytes had arrived"
            : $"{buffered.Length} of the {LengthPrefixFramer.HeaderSize} header bytes had arrived";
        throw new ConnectionClosedException($"The peer at {_core.Name} closed the connection in the middle of a message ({detail}).");
    }

    private int Awaited(Task<int> pending)
    {
        try
        {
            return pending.GetAwaiter().GetResult();
        }
        catch (Exception e) when (IsStreamFailure(e))
        {
            throw Fail("receive", e);
        }
    }

    private async ValueTask<int> AwaitedAsync(ValueTask<int> read)
    {
        try
        {
            return await read.ConfigureAwait(false);
        }
        catch (Exception e) when (IsStreamFailure(e))
        {
            throw Fail("receive", e);
        }
    }

    private static bool IsStreamFailure(Exception e) =>
        e is IOException or SocketException or ObjectDisposedException or InvalidOperationException && e is not ConnectionClosedException;

    private ConnectionClosedException Fail(string operation, Exception e)
    {
        _core.SignalClosed();
        return _core.IsStopped
            ? _core.LocallyClosed(operation, e)
            : new ConnectionClosedException($"The connection to {_core.Name} failed during a {operation}: the peer has gone ({e.Message}).", e);
    }
}
