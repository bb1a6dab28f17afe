using System.Diagnostics;
using System.Runtime.CompilerServices;
using IpcKit.Transports.Connections;

namespace IpcKit.Transports.Internal.Rings;

/// <summary>
/// An <see cref="IConnection"/> over two single-producer/single-consumer rings, one per direction: the shared-memory
/// transport maps them from a file, the in-process one allocates them. Receiving a whole message hands out the bytes
/// in the ring; they are given back at the next receive (see <see cref="RingReader"/>).
/// </summary>
/// <remarks>
/// Nothing on the hot path allocates, makes a syscall, waits on a lock or fences: a send is two plain stores on a
/// gate biased to the sending thread (<see cref="SendGate"/>), a copy and a release store; the fence that keeps a
/// wakeup from being lost is paid by the side going to sleep (<see cref="RingFence"/>), and a futex wake only when
/// the peer sleeps.
/// </remarks>
internal sealed partial class RingConnection : IConnection
{
    private readonly RingWriter _tx;
    private readonly RingReader _rx;
    private readonly RingWaiter _txWaiter;
    private readonly RingWaiter _rxWaiter;
    private readonly BackgroundWaiter _txAsync;
    private readonly BackgroundWaiter _rxAsync;
    private readonly ConnectionCore _core;
    private readonly Action _releaseMemory;
    private readonly ProcessIdentity? _peer;
    private readonly string _name;
    private readonly SendGate _sendGate = new();
    private int _disposed;

    /// <param name="endpoint">What to report as the connection's endpoint.</param>
    /// <param name="rings">This side's view of the rings.</param>
    /// <param name="maxMessageSize">The message size limit.</param>
    /// <param name="releaseMemory">Runs once, when no thread can touch the rings any more (unmap, free).</param>
    public unsafe RingConnection(Endpoint endpoint, RingPair rings, int maxMessageSize, Action releaseMemory)
    {
        _core = new ConnectionCore(endpoint, maxMessageSize, withSendLock: false);
        _releaseMemory = releaseMemory;
        _peer = rings.Peer;
        _name = _core.Name;
        _tx = new RingWriter(rings.SendControl, rings.SendData, rings.Capacity, rings.ProcessPrivate);
        _rx = new RingReader(rings.ReceiveControl, rings.ReceiveData, rings.Capacity, maxMessageSize, rings.ProcessPrivate);
        _txWaiter = new RingWaiter(rings.Wait, _tx.ReadPositionWord, _tx.WaitingFlag, _tx.ConsumerGoneFlag, rings.Peer, rings.ProcessPrivate, _core);
        _rxWaiter = new RingWaiter(rings.Wait, _rx.WritePositionWord, _rx.WaitingFlag, _rx.ProducerClosedFlag, rings.Peer, rings.ProcessPrivate, _core, _rx);
        _txAsync = new BackgroundWaiter(_txWaiter, "ipckit ring send wait");
        _rxAsync = new BackgroundWaiter(_rxWaiter, "ipckit ring receive wait");
    }

    public Endpoint Endpoint => _core.Endpoint;

    /// <summary>Whether sends, and giving received space back, have gone fence-free (see <see cref="RingFence"/>).</summary>
    internal (bool Send, bool Release) FenceFree => (_tx.FenceFree, _rx.FenceFree);

    public int MaxMessageSize => _core.MaxMessageSize;

    public CancellationToken Closed => _core.Closed;

    public void Send(ReadOnlySpan<byte> message)
    {
        _core.CheckSendable(message.Length);
        bool biased = EnterSend();
        try
        {
            while (!_tx.TryWrite(message))
            {
                var outcome = _txWaiter.Wait(_tx.ObservedRead, CancellationToken.None);
                if (outcome != WaitOutcome.Changed)
                {
                    throw SendFailed(outcome);
                }
            }
        }
        catch (Exception) when (_tx.InMessage)
        {
            // Half a message is in the ring; the peer must not take the next one for its rest.
            Abort();
            throw;
        }
        finally
        {
            _sendGate.Exit(biased);
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask SendAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken = default)
    {
        _core.CheckSendable(message.Length, cancellationToken);
        await EnterSendAsync(cancellationToken).ConfigureAwait(false);
        const bool biased = false;
        try
        {
            while (!_tx.TryWrite(message.Span))
            {
                var outcome = _txWaiter.Wait(_tx.ObservedRead, cancellationToken, spinOnly: true);
                if (outcome == WaitOutcome.SpunOut)
                {
                    outcome = await _txAsync.WaitAsync(_tx.ObservedRead, cancellationToken).ConfigureAwait(false);
                }

                if (outcome != WaitOutcome.Changed)
                {
                    throw SendFailed(outcome, cancellationToken);
                }
            }
        }
        catch (Exception) when (_tx.InMessage)
        {
            Abort();
            throw;
        }
        finally
        {
            _sendGate.Exit(biased);
        }
    }

    public ReadOnlyMemory<byte>? Receive()
    {
        _core.EnterReceive();
        try
        {
            while (true)
            {
                if (_rx.TryRead(out var message))
                {
                    return message;
                }

                var outcome = _rxWaiter.Wait(_rx.ObservedWrite, CancellationToken.None);
                if (outcome != WaitOutcome.Changed && Ended(outcome, CancellationToken.None, out var last))
                {
                    return last;
                }
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
            while (true)
            {
                if (_rx.TryRead(out var message))
                {
                    return message;
                }

                var outcome = _rxWaiter.Wait(_rx.ObservedWrite, cancellationToken, spinOnly: true);
                if (outcome == WaitOutcome.SpunOut)
                {
                    outcome = await _rxAsync.WaitAsync(_rx.ObservedWrite, cancellationToken).ConfigureAwait(false);
                }

                if (outcome != WaitOutcome.Changed && Ended(outcome, cancellationToken, out var last))
                {
                    return last;
                }
            }
        }
        finally
        {
            _core.ExitReceive();
        }
    }

    public void Abort()
    {
        if (!_core.TryStop(ConnectionCore.Aborted))
        {
            return;
        }

        if (Volatile.Read(ref _disposed) == 0)
        {
            _tx.Close(RingLayout.Aborted);
            _rx.Close();
        }

        _rxWaiter.WakeSelf();
        _txWaiter.WakeSelf();
        _core.SignalClosed();
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        bool aborted = _core.MarkDisposed() == ConnectionCore.Aborted;
        // The receiver (and a sender on the biased gate) marks itself busy with a plain store and then reads the stop
        // flag; this barrier makes every thread's pending stores visible, so below we either see it busy or it sees
        // the stop flag.
        Interlocked.MemoryBarrierProcessWide();
        _rxWaiter.WakeSelf();
        _txWaiter.WakeSelf();
        _rxAsync.Dispose();
        _txAsync.Dispose();

        // Operations in flight see the stop flag within a wait slice; the memory goes only once they are out.
        var deadline = Stopwatch.GetTimestamp() + Stopwatch.Frequency * 2;
        var spin = new SpinWait();
        while ((_sendGate.Busy || _core.Receiving) && Stopwatch.GetTimestamp() < deadline)
        {
            spin.SpinOnce();
        }

        bool idle = !_sendGate.Busy && !_core.Receiving;
        if (!aborted)
        {
            _tx.Close(_tx.InMessage ? RingLayout.Aborted : RingLayout.ClosedCleanly);
            _rx.Close();
        }

        _core.SignalClosed();
        _rx.Dispose();
        if (idle)
        {
            _releaseMemory();
        }
    }

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>Decides what a wait that did not see new data means: end of stream (true, null), or an exception.</summary>
    private bool Ended(WaitOutcome outcome, CancellationToken cancellationToken, out ReadOnlyMemory<byte>? message)
    {
        switch (outcome)
        {
            case WaitOutcome.PeerClosed or WaitOutcome.PeerDead:
                // Records published before the close (or the death) are complete: hand them out first.
                if (_rx.TryRead(out var last))
                {
                    message = last;
                    return true;
                }

                _core.SignalClosed();
                if (_rx.InMessage)
                {
                    var (got, total) = _rx.Progress;
                    throw new ConnectionClosedException(
                        $"The peer at {_name} {(outcome == WaitOutcome.PeerDead ? $"(process {_peer}) died" : "closed the connection")} in the middle of a message ({got} of {total} bytes had arrived).");
                }

                if (outcome == WaitOutcome.PeerDead)
                {
                    throw new ConnectionClosedException($"The peer process {_peer} of {_name} exited without closing the connection.");
                }

                if (_rx.ProducerClosedState == RingLayout.Aborted)
                {
                    throw new ConnectionClosedException($"The peer at {_name} aborted the connection.");
                }

                message = null;
                return true;

            case WaitOutcome.Cancelled:
                throw new OperationCanceledException(cancellationToken);

            default:
                throw _core.LocallyClosed("receive");
        }
    }

    private Exception SendFailed(WaitOutcome outcome, CancellationToken cancellationToken = default)
    {
        if (outcome == WaitOutcome.Cancelled)
        {
            return new OperationCanceledException(cancellationToken);
        }

        if (outcome == WaitOutcome.Stopped)
        {
            return _core.LocallyClosed("send");
        }

        _core.SignalClosed();
        return new ConnectionClosedException(outcome == WaitOutcome.PeerDead
            ? $"The peer process {_peer} of {_name} exited; the message cannot be delivered."
            : $"The peer at {_name} closed the connection and reads no more messages.");
    }

    private bool EnterSend()
    {
        bool biased = _sendGate.Enter();
        CheckEntered(biased);
        return biased;
    }

    private async ValueTask EnterSendAsync(CancellationToken cancellationToken)
    {
        while (!_sendGate.TryEnterShared())
        {
            // Contention between senders is the rare case; a short sleep keeps this simple and lock-free on the hot path.
            await Task.Delay(1, cancellationToken).ConfigureAwait(false);
        }

        CheckEntered(biased: false);
    }

    private void CheckEntered(bool biased)
    {
        // Dispose sets the stop flag and then runs a process-wide barrier before it reads the gate: either it sees us
        // inside, or we see its stop flag here.
        if (_core.IsStopped)
        {
            _sendGate.Exit(biased);
            throw _core.LocallyClosed("send");
        }
    }
}
