using System.Buffers;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using IpcKit.Transports.Framing;

namespace IpcKit.Transports.Internal;

/// <summary>
/// An <see cref="IConnection"/> over one or two byte streams, framed by <see cref="LengthPrefixFramer"/>.
/// Every byte-stream transport (named pipes, anonymous pipes, Unix sockets, TCP) is this class plus a way to open streams.
/// </summary>
/// <remarks>
/// Receiving reads as much as the kernel has into one pooled buffer and hands out slices of it, so a burst of small
/// messages costs one read syscall and no allocation. A receive cancelled while a read is in flight leaves that read
/// running as <see cref="_pendingFill"/>; the next receive adopts its bytes, so cancellation never loses data.
/// </remarks>
internal sealed class FramedStreamConnection : IConnection
{
    private const int InitialReceiveBuffer = 64 * 1024;
    private const int ShrinkAbove = 1024 * 1024;
    private const int CoalesceLimit = 16 * 1024;

    private readonly Stream _input;
    private readonly Stream _output;
    private readonly Socket? _socket;
    private readonly Action? _onDispose;
    private readonly CancellationTokenSource _closed = new();
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly byte[] _sendBuffer = new byte[LengthPrefixFramer.HeaderSize + CoalesceLimit];
    private readonly string _name;

    private byte[] _receiveBuffer;
    private int _start;
    private int _end;
    private bool _endOfStream;
    private Task<int>? _pendingFill;
    private int _receiving;
    private volatile bool _aborted;
    private int _disposed;
    private int _onDisposeCalled;

    /// <param name="endpoint">What to report as the connection's endpoint.</param>
    /// <param name="input">The stream read from.</param>
    /// <param name="output">The stream written to (the same object as <paramref name="input"/> for duplex streams).</param>
    /// <param name="maxMessageSize">The frame size limit.</param>
    /// <param name="socket">The socket under the streams, if any, so that dispose can shut it down gracefully.</param>
    /// <param name="onDispose">Runs once after the streams are closed.</param>
    public FramedStreamConnection(Endpoint endpoint, Stream input, Stream output, int maxMessageSize, Socket? socket = null, Action? onDispose = null)
    {
        Endpoint = endpoint;
        _input = input;
        _output = output;
        MaxMessageSize = maxMessageSize;
        _socket = socket;
        _onDispose = onDispose;
        _receiveBuffer = ArrayPool<byte>.Shared.Rent(InitialReceiveBuffer);
        _name = endpoint.ToString();
    }

    /// <summary>A connection over a connected stream socket, which it owns.</summary>
    internal static FramedStreamConnection OverSocket(Endpoint endpoint, Socket socket, int maxMessageSize)
    {
        var stream = new NetworkStream(socket, ownsSocket: true);
        return new FramedStreamConnection(endpoint, stream, stream, maxMessageSize, socket);
    }

    public Endpoint Endpoint { get; }

    public int MaxMessageSize { get; }

    public CancellationToken Closed => _closed.Token;

    public void Send(ReadOnlySpan<byte> message)
    {
        CheckSendable(message.Length);
        _sendLock.Wait();
        try
        {
            if (message.Length <= CoalesceLimit)
            {
                // One write per small message: one syscall, and no header segment left waiting on its own.
                LengthPrefixFramer.WriteHeader(_sendBuffer, message.Length);
                message.CopyTo(_sendBuffer.AsSpan(LengthPrefixFramer.HeaderSize));
                _output.Write(_sendBuffer, 0, LengthPrefixFramer.HeaderSize + message.Length);
            }
            else
            {
                LengthPrefixFramer.WriteHeader(_sendBuffer, message.Length);
                _output.Write(_sendBuffer, 0, LengthPrefixFramer.HeaderSize);
                _output.Write(message);
            }
        }
        catch (Exception e) when (IsStreamFailure(e))
        {
            throw Fail("send", e);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    public async ValueTask SendAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken = default)
    {
        CheckSendable(message.Length);
        await _sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (message.Length <= CoalesceLimit)
            {
                LengthPrefixFramer.WriteHeader(_sendBuffer, message.Length);
                message.Span.CopyTo(_sendBuffer.AsSpan(LengthPrefixFramer.HeaderSize));
                await _output.WriteAsync(_sendBuffer.AsMemory(0, LengthPrefixFramer.HeaderSize + message.Length), cancellationToken).ConfigureAwait(false);
            }
            else
            {
                LengthPrefixFramer.WriteHeader(_sendBuffer, message.Length);
                await _output.WriteAsync(_sendBuffer.AsMemory(0, LengthPrefixFramer.HeaderSize), cancellationToken).ConfigureAwait(false);
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
            _sendLock.Release();
        }
    }

    public ReadOnlyMemory<byte>? Receive()
    {
        EnterReceive();
        try
        {
            if (_pendingFill is { } pending)
            {
                _pendingFill = null;
                Account(AwaitFill(pending));
            }

            while (true)
            {
                if (TryTakeFrame(out var frame))
                {
                    return frame;
                }

                if (_endOfStream)
                {
                    return EndOfStream();
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
            Volatile.Write(ref _receiving, 0);
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<ReadOnlyMemory<byte>?> ReceiveAsync(CancellationToken cancellationToken = default)
    {
        EnterReceive();
        try
        {
            if (_pendingFill is { } pending)
            {
                int got = await AwaitFillAsync(pending, cancellationToken).ConfigureAwait(false);
                _pendingFill = null;
                Account(got);
            }

            while (true)
            {
                if (TryTakeFrame(out var frame))
                {
                    return frame;
                }

                if (_endOfStream)
                {
                    return EndOfStream();
                }

                cancellationToken.ThrowIfCancellationRequested();
                Memory<byte> free = PrepareFill();
                int n;
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
                    n = await AwaitFillAsync(read).ConfigureAwait(false);
                }
                else
                {
                    // Keep the read so that a cancellation here hands its bytes to the next receive.
                    Task<int> task = read.AsTask();
                    _pendingFill = task;
                    n = await AwaitFillAsync(task, cancellationToken).ConfigureAwait(false);
                    _pendingFill = null;
                }

                Account(n);
            }
        }
        finally
        {
            Volatile.Write(ref _receiving, 0);
        }
    }

    public void Abort()
    {
        _aborted = true;
        CloseStreams(graceful: false);
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        CloseStreams(graceful: !_aborted);
        if (_pendingFill is null && Volatile.Read(ref _receiving) == 0)
        {
            ArrayPool<byte>.Shared.Return(_receiveBuffer);
            _receiveBuffer = [];
        }

        _closed.Dispose();
        _sendLock.Dispose();
    }

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    private void CloseStreams(bool graceful)
    {
        SignalClosed();
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
        if (Interlocked.Exchange(ref _onDisposeCalled, 1) == 0)
        {
            _onDispose?.Invoke();
        }
    }


    private void SignalClosed()
    {
        try
        {
            _closed.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private void EnterReceive()
    {
        if (Interlocked.Exchange(ref _receiving, 1) != 0)
        {
            throw new InvalidOperationException("Another receive is already pending on this connection; receive from one reader at a time.");
        }

        if (_disposed != 0 || _aborted)
        {
            Volatile.Write(ref _receiving, 0);
            throw new ConnectionClosedException($"The connection to {_name} was {(_aborted ? "aborted" : "disposed")} by this side.");
        }
    }

    private void CheckSendable(int length)
    {
        if (length > MaxMessageSize)
        {
            throw new FrameTooLargeException(length, MaxMessageSize);
        }

        if (_disposed != 0 || _aborted)
        {
            throw new ConnectionClosedException($"The connection to {_name} was {(_aborted ? "aborted" : "disposed")} by this side.");
        }
    }

    private bool TryTakeFrame(out ReadOnlyMemory<byte> frame)
    {
        var available = _receiveBuffer.AsSpan(_start, _end - _start);
        if (LengthPrefixFramer.TryReadHeader(available, MaxMessageSize, out int length)
            && available.Length - LengthPrefixFramer.HeaderSize >= length)
        {
            frame = new ReadOnlyMemory<byte>(_receiveBuffer, _start + LengthPrefixFramer.HeaderSize, length);
            _start += LengthPrefixFramer.HeaderSize + length;
            return true;
        }

        frame = default;
        return false;
    }

    /// <summary>Bytes moved to the front of the receive buffer to make room for a frame: a copy the kernel already made once.</summary>
    internal long CompactedBytes { get; private set; }

    /// <summary>
    /// Makes room for the rest of the current frame and returns where the next read goes, and how much it may take.
    /// </summary>
    /// <remarks>
    /// A read of unknown extent takes at most <see cref="InitialReceiveBuffer"/> bytes, and a large frame whose length
    /// is known is read only up to its end: so a large frame always ends at the end of the buffered bytes, the buffer
    /// starts over at offset 0, and the bytes of a large frame are never moved to the front of the buffer (which
    /// would copy each 64 KiB message a second time). A buffer too small for a frame grows to hold the frame and one
    /// read more.
    /// </remarks>
    private Memory<byte> PrepareFill()
    {
        int buffered = _end - _start;
        bool known = LengthPrefixFramer.TryReadHeader(_receiveBuffer.AsSpan(_start, buffered), MaxMessageSize, out int length);
        int needed = known ? LengthPrefixFramer.HeaderSize + length : LengthPrefixFramer.HeaderSize;

        if (buffered == 0)
        {
            _start = _end = 0;
            if (_receiveBuffer.Length > ShrinkAbove && needed <= InitialReceiveBuffer)
            {
                // A large message is done with; give the big buffer back.
                ReplaceBuffer(InitialReceiveBuffer);
            }
        }

        if (_receiveBuffer.Length - _start < needed)
        {
            // Moving a small frame's few bytes is cheap; a large frame gets a buffer with room for one read more.
            if (needed < CoalesceLimit ? needed <= _receiveBuffer.Length : needed + InitialReceiveBuffer <= _receiveBuffer.Length)
            {
                _receiveBuffer.AsSpan(_start, buffered).CopyTo(_receiveBuffer);
                CompactedBytes += buffered;
                _start = 0;
                _end = buffered;
            }
            else
            {
                ReplaceBuffer(Math.Max(needed + InitialReceiveBuffer, _receiveBuffer.Length * 2));
            }
        }

        int extent = known && needed >= CoalesceLimit ? needed - buffered : Math.Min(_receiveBuffer.Length - _end, InitialReceiveBuffer);
        return _receiveBuffer.AsMemory(_end, extent);
    }

    private void ReplaceBuffer(int size)
    {
        byte[] next = ArrayPool<byte>.Shared.Rent(size);
        int buffered = _end - _start;
        _receiveBuffer.AsSpan(_start, buffered).CopyTo(next);
        ArrayPool<byte>.Shared.Return(_receiveBuffer);
        _receiveBuffer = next;
        _start = 0;
        _end = buffered;
    }

    private void Account(int bytesRead)
    {
        if (bytesRead == 0)
        {
            _endOfStream = true;
        }
        else
        {
            _end += bytesRead;
        }
    }

    private ReadOnlyMemory<byte>? EndOfStream()
    {
        SignalClosed();
        int buffered = _end - _start;
        if (buffered == 0)
        {
            return null;
        }

        string detail = LengthPrefixFramer.TryReadHeader(_receiveBuffer.AsSpan(_start, buffered), MaxMessageSize, out int length)
            ? $"{buffered - LengthPrefixFramer.HeaderSize} of {length} payload bytes had arrived"
            : $"{buffered} of the {LengthPrefixFramer.HeaderSize} header bytes had arrived";
        throw new ConnectionClosedException($"The peer at {_name} closed the connection in the middle of a message ({detail}).");
    }

    private int AwaitFill(Task<int> pending)
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

    private async ValueTask<int> AwaitFillAsync(Task<int> pending, CancellationToken cancellationToken)
    {
        try
        {
            return await pending.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (IsStreamFailure(e))
        {
            throw Fail("receive", e);
        }
    }

    private async ValueTask<int> AwaitFillAsync(ValueTask<int> pending)
    {
        try
        {
            return await pending.ConfigureAwait(false);
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
        SignalClosed();
        if (_aborted || _disposed != 0)
        {
            return new ConnectionClosedException($"The connection to {_name} was {(_aborted ? "aborted" : "disposed")} by this side during a {operation}.", e);
        }

        return new ConnectionClosedException($"The connection to {_name} failed during a {operation}: the peer has gone ({e.Message}).", e);
    }
}
