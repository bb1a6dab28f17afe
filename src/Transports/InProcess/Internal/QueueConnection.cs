using System.Buffers;
using IpcKit.Transports.Connections;

namespace IpcKit.Transports.InProcess.Internal;

/// <summary>One queued message: its bytes, and the pooled array behind them when the transport made a copy.</summary>
internal readonly record struct QueuedMessage(ReadOnlyMemory<byte> Message, byte[]? Pooled);

/// <summary>One direction of an in-process connection: a bounded queue of messages with blocking and async ends.</summary>
internal interface IMessageQueue
{
    /// <summary>Queues a message, waiting while the queue is full.</summary>
    void Put(QueuedMessage message);

    /// <summary>Queues a message, waiting asynchronously while the queue is full.</summary>
    ValueTask PutAsync(QueuedMessage message, CancellationToken cancellationToken);

    /// <summary>The next message, or null once the queue is completed and empty.</summary>
    QueuedMessage? Take();

    /// <summary>The next message, or null once the queue is completed and empty; cancelling takes nothing.</summary>
    ValueTask<QueuedMessage?> TakeAsync(CancellationToken cancellationToken);

    /// <summary>No more messages: the reader drains what is queued, then sees the end.</summary>
    void Complete();

    /// <summary>Aborted: both ends fail at once.</summary>
    void Fail();
}

/// <summary>
/// An <see cref="IConnection"/> between two threads of one process over a pair of <see cref="IMessageQueue"/>s.
/// Messages sent as spans are copied into pooled arrays; with <paramref name="handOverMemory"/>, messages sent as
/// memory are handed to the peer as they are (no copy). The message a receive returns stays valid until the next receive.
/// </summary>
internal sealed class QueueConnection(Endpoint endpoint, IMessageQueue outgoing, IMessageQueue incoming, int maxMessageSize, bool handOverMemory) : IConnection
{
    private readonly ConnectionCore _core = new(endpoint, maxMessageSize, withSendLock: false); // the queues take concurrent sends
    private QueuedMessage? _held;

    public Endpoint Endpoint => _core.Endpoint;

    public int MaxMessageSize => _core.MaxMessageSize;

    public CancellationToken Closed => _core.Closed;

    public static (IConnection A, IConnection B) CreatePair(Endpoint endpoint, Func<IMessageQueue> createQueue, int maxMessageSize, bool handOverMemory)
    {
        var ab = createQueue();
        var ba = createQueue();
        return (new QueueConnection(endpoint, ab, ba, maxMessageSize, handOverMemory), new QueueConnection(endpoint, ba, ab, maxMessageSize, handOverMemory));
    }

    public void Send(ReadOnlySpan<byte> message)
    {
        var copy = Copy(message);
        Guard(() => outgoing.Put(copy));
    }

    public void Send(ReadOnlyMemory<byte> message)
    {
        if (!handOverMemory)
        {
            Send(message.Span);
            return;
        }

        _core.CheckSendable(message.Length);
        Guard(() => outgoing.Put(new QueuedMessage(message, null)));
    }

    public async ValueTask SendAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested(); // already cancelled: nothing is sent (IConnection.SendAsync)
        var copy = Copy(message.Span);
        try
        {
            await outgoing.PutAsync(copy, cancellationToken).ConfigureAwait(false);
        }
        catch (ConnectionClosedException)
        {
            ArrayPool<byte>.Shared.Return(copy.Pooled!);
            throw Closing("send");
        }
    }

    public ReadOnlyMemory<byte>? Receive()
    {
        _core.EnterReceive();
        try
        {
            ReleaseHeld();
            return Hold(incoming.Take());
        }
        catch (ConnectionClosedException)
        {
            throw Closing("receive");
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
            ReleaseHeld();
            return Hold(await incoming.TakeAsync(cancellationToken).ConfigureAwait(false));
        }
        catch (ConnectionClosedException)
        {
            throw Closing("receive");
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
            outgoing.Fail();
            incoming.Fail();
            _core.SignalClosed();
        }
    }

    public void Dispose()
    {
        if (_core.MarkDisposed() == ConnectionCore.Open)
        {
            // The peer drains what was sent, then sees the end; a receive of ours still waiting fails (as a socket's
            // would when its descriptor is closed), and so do the peer's later sends, which nobody would read.
            outgoing.Complete();
            incoming.Fail();
            _core.SignalClosed();
        }
    }

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    private ReadOnlyMemory<byte>? Hold(QueuedMessage? next)
    {
        if (next is null)
        {
            _core.SignalClosed();
            return null;
        }

        _held = next;
        return next.Value.Message;
    }

    private void ReleaseHeld()
    {
        if (_held is { Pooled: { } array })
        {
            ArrayPool<byte>.Shared.Return(array);
        }

        _held = null;
    }

    private QueuedMessage Copy(ReadOnlySpan<byte> message)
    {
        _core.CheckSendable(message.Length);
        byte[] array = ArrayPool<byte>.Shared.Rent(Math.Max(1, message.Length));
        message.CopyTo(array);
        return new QueuedMessage(array.AsMemory(0, message.Length), array);
    }

    private void Guard(Action action)
    {
        try
        {
            action();
        }
        catch (ConnectionClosedException)
        {
            throw Closing("send");
        }
    }

    /// <summary>The error when a queue reports the connection closed: by this side, or by the peer's abort.</summary>
    private ConnectionClosedException Closing(string operation)
    {
        _core.SignalClosed();
        return _core.IsStopped ? _core.LocallyClosed(operation) : new ConnectionClosedException($"The connection to {_core.Name} was closed by the peer (aborted, or disposed while this side was still sending).");
    }
}
