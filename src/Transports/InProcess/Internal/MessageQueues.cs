using System.Threading.Channels;

namespace IpcKit.Transports.InProcess.Internal;

/// <summary>A direction over System.Threading.Channels: a bounded channel; blocking calls wait on its tasks.</summary>
internal sealed class ChannelMessageQueue(int capacity) : IMessageQueue
{
    private readonly Channel<QueuedMessage> _channel = Channel.CreateBounded<QueuedMessage>(
        new BoundedChannelOptions(capacity) { SingleReader = true, SingleWriter = false, FullMode = BoundedChannelFullMode.Wait });

    public void Put(QueuedMessage message)
    {
        if (!_channel.Writer.TryWrite(message))
        {
            PutAsync(message, CancellationToken.None).AsTask().GetAwaiter().GetResult();
        }
    }

    public async ValueTask PutAsync(QueuedMessage message, CancellationToken cancellationToken)
    {
        try
        {
            await _channel.Writer.WriteAsync(message, cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException e)
        {
            throw new ConnectionClosedException("closed", e);
        }
    }

    public QueuedMessage? Take() =>
        _channel.Reader.TryRead(out var message) ? message : TakeAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult();

    public async ValueTask<QueuedMessage?> TakeAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await _channel.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException e) when (e.InnerException is null)
        {
            return null;
        }
        catch (ChannelClosedException e)
        {
            throw new ConnectionClosedException("aborted", e);
        }
    }

    public void Complete() => _channel.Writer.TryComplete();

    public void Fail() => _channel.Writer.TryComplete(new ConnectionClosedException("aborted"));
}

/// <summary>
/// A direction for two threads that share memory and nothing else: a small queue under a monitor lock. Messages may be
/// memory the sender owns (no copy); a sleeping reader is woken with Monitor.Pulse.
/// </summary>
internal sealed class ReferenceMessageQueue(int capacity) : IMessageQueue
{
    private readonly object _gate = new();
    private readonly Queue<QueuedMessage> _queue = new(capacity);
    private const int SpinRounds = 30;
    private volatile int _count;
    private bool _completed;
    private bool _failed;

    public void Put(QueuedMessage message)
    {
        lock (_gate)
        {
            while (_queue.Count >= capacity && !_failed && !_completed)
            {
                Monitor.Wait(_gate);
            }

            if (_failed || _completed)
            {
                throw new ConnectionClosedException("closed");
            }

            _queue.Enqueue(message);
            _count = _queue.Count;
            Monitor.PulseAll(_gate);
        }
    }

    public ValueTask PutAsync(QueuedMessage message, CancellationToken cancellationToken)
    {
        // Waits only while the peer lags capacity messages behind; the wait is a monitor wait in slices so that
        // cancellation is seen.
        lock (_gate)
        {
            while (_queue.Count >= capacity && !_failed && !_completed)
            {
                cancellationToken.ThrowIfCancellationRequested();
                Monitor.Wait(_gate, 50);
            }
        }

        Put(message);
        return ValueTask.CompletedTask;
    }

    public QueuedMessage? Take() => TakeCore(CancellationToken.None);

    public ValueTask<QueuedMessage?> TakeAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_queue.Count > 0 || _completed || _failed)
            {
                return ValueTask.FromResult(TakeCore(CancellationToken.None));
            }
        }

        return new ValueTask<QueuedMessage?>(Task.Run(() => TakeCore(cancellationToken), CancellationToken.None));
    }

    public void Complete()
    {
        lock (_gate)
        {
            _completed = true;
            Monitor.PulseAll(_gate);
        }
    }

    public void Fail()
    {
        lock (_gate)
        {
            _failed = true;
            Monitor.PulseAll(_gate);
        }
    }

    private QueuedMessage? TakeCore(CancellationToken cancellationToken)
    {
        // Threads that share memory can see a message arrive without the kernel: look for a few microseconds before
        // sleeping on the monitor (which costs two context switches and, across CPUs, an interrupt). SpinWait spins
        // briefly, then yields the CPU, so a peer on the same CPU gets to run instead of being starved by the spinning.
        var spinner = new SpinWait();
        for (int i = 0; i < SpinRounds && _count == 0 && !Volatile.Read(ref _completed) && !Volatile.Read(ref _failed); i++)
        {
            spinner.SpinOnce(sleep1Threshold: -1);
        }

        lock (_gate)
        {
            while (_queue.Count == 0 && !_completed && !_failed)
            {
                cancellationToken.ThrowIfCancellationRequested();
                Monitor.Wait(_gate, cancellationToken.CanBeCanceled ? 50 : Timeout.Infinite);
            }

            if (_failed)
            {
                throw new ConnectionClosedException("aborted");
            }

            if (_queue.Count == 0)
            {
                return null;
            }

            var message = _queue.Dequeue();
            _count = _queue.Count;
            Monitor.PulseAll(_gate);
            return message;
        }
    }
}
