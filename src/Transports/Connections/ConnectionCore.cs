using System.Runtime.CompilerServices;

namespace IpcKit.Transports.Connections;

/// <summary>
/// The state every <see cref="IConnection"/> shares, whatever carries its bytes: open, aborted or disposed; the
/// single-reader guard; the size and closed checks on send; the <see cref="IConnection.Closed"/> token; the messages
/// that say this side closed it; and, for connections that serialize sends with a lock, that lock.
/// </summary>
/// <remarks>
/// Each connection holds one and calls it; the calls are small and non-virtual, so that the JIT inlines them into the
/// rings' hot path (which is why this is a component and not a base class with virtual steps). The rings serialize
/// sends with their own biased gate instead of the lock: it takes no interlocked operation on the sending thread.
/// </remarks>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification =
    "Closed must stay readable after the connection is disposed, and a CancellationTokenSource without a timer, like a SemaphoreSlim whose wait handle is never asked for, holds nothing that needs disposing.")]
internal sealed class ConnectionCore
{
    public const int Open = 0;
    public const int Aborted = 1;
    public const int Disposed = 2;

    private readonly CancellationTokenSource _closed = new();
    private readonly SemaphoreSlim? _sendTurn;
    private int _sendTickets;
    private int _receiving;

    /// <summary>Open, Aborted or Disposed. Read with Volatile.Read; changed with interlocked operations (they fence).</summary>
    public int State;

    /// <param name="endpoint">The connection's endpoint, named in error messages.</param>
    /// <param name="maxMessageSize">The message size limit.</param>
    /// <param name="withSendLock">Whether sends are serialized with <see cref="EnterSend"/> and <see cref="ExitSend"/>.</param>
    public ConnectionCore(Endpoint endpoint, int maxMessageSize, bool withSendLock)
    {
        Endpoint = endpoint;
        Name = endpoint.ToString();
        MaxMessageSize = maxMessageSize;
        _sendTurn = withSendLock ? new SemaphoreSlim(0) : null;
    }

    public Endpoint Endpoint { get; }

    /// <summary>The endpoint as text, made once for error messages.</summary>
    public string Name { get; }

    public int MaxMessageSize { get; }

    public CancellationToken Closed => _closed.Token;

    /// <summary>True once this side has aborted or disposed the connection.</summary>
    public bool IsStopped
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Volatile.Read(ref State) != Open;
    }

    /// <summary>True while a receive is running.</summary>
    public bool Receiving => Volatile.Read(ref _receiving) != 0;

    /// <summary>
    /// After the state has left Open: whether a receive is still running, so that what it uses must not be freed yet.
    /// The receive marks itself with a plain store and then reads the state; the process-wide barrier makes that store
    /// visible here, so either this sees the receive, or the receive sees the state and touches nothing.
    /// </summary>
    public bool ReceivingAfterStop()
    {
        Interlocked.MemoryBarrierProcessWide();
        return Receiving;
    }

    /// <summary>Refuses a message over the limit, or a send on a connection this side has closed.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void CheckSendable(int length)
    {
        if (length > MaxMessageSize)
        {
            throw new FrameTooLargeException(length, MaxMessageSize);
        }

        if (IsStopped)
        {
            throw LocallyClosed("send");
        }
    }

    /// <summary>
    /// <see cref="CheckSendable(int)"/> for an async send: a token already cancelled fails it first, and nothing is sent,
    /// on every transport (IConnection.SendAsync).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void CheckSendable(int length, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        CheckSendable(length);
    }

    /// <summary>
    /// <see cref="EnterReceive()"/> for an async receive: a token already cancelled fails it first, and nothing is
    /// taken even when a message waits, on every transport (IConnection.ReceiveAsync).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void EnterReceive(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        EnterReceive();
    }

    /// <summary>
    /// Marks a receive as running; pair with <see cref="ExitReceive"/> in a finally. Plain loads and stores, no
    /// interlocked operation on the hot path: one receiver at a time is the caller's promise (this check catches most
    /// breaches), and a dispose that must know whether a receive runs pairs with the store through a process-wide barrier.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void EnterReceive()
    {
        if (Volatile.Read(ref _receiving) != 0)
        {
            throw new InvalidOperationException("Another receive is already pending on this connection; receive from one reader at a time.");
        }

        Volatile.Write(ref _receiving, 1);
        if (IsStopped)
        {
            Volatile.Write(ref _receiving, 0);
            throw LocallyClosed("receive");
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void ExitReceive() => Volatile.Write(ref _receiving, 0);

    /// <summary>Moves an open connection to <paramref name="how"/>; false when it was stopped already.</summary>
    public bool TryStop(int how) => Interlocked.CompareExchange(ref State, how, Open) == Open;

    /// <summary>Marks the connection disposed and returns what it was before (Open, Aborted, or Disposed for a second dispose).</summary>
    public int MarkDisposed() => Interlocked.Exchange(ref State, Disposed);

    /// <summary>Cancels <see cref="Closed"/> (once; later calls do nothing).</summary>
    public void SignalClosed()
    {
        try
        {
            _closed.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    /// <summary>The error for an operation on (or interrupted by) this side's own abort or dispose.</summary>
    public ConnectionClosedException LocallyClosed(string operation, Exception? inner = null) =>
        new($"The connection to {Name} was {(Volatile.Read(ref State) == Aborted ? "aborted" : "disposed")} by this side during a {operation}.", inner);

    // The send lock is a counter with a semaphore behind it. _sendTickets counts the holder and everyone waiting; the
    // first in takes the lock with one interlocked add, and only a sender that finds it held waits on _sendTurn, which
    // the leaving holder releases once for the next. An uncontended SemaphoreSlim costs a monitor enter and exit in
    // both Wait and Release (about 22 ns against 4 here, measured), on every send of a blocking round trip.
    // A waiter that gives up (timeout, cancellation) cannot take its ticket back, since a release may already be on its
    // way to it: it leaves a background wait that takes its turn when it comes and passes it straight on.

    public void EnterSend()
    {
        if (Interlocked.Increment(ref _sendTickets) != 1)
        {
            _sendTurn!.Wait();
        }
    }

    public Task EnterSendAsync(CancellationToken cancellationToken) =>
        cancellationToken.IsCancellationRequested ? Task.FromCanceled(cancellationToken) // as SemaphoreSlim did: no ticket, no send
        : Interlocked.Increment(ref _sendTickets) == 1 ? Task.CompletedTask
        : WaitTurnAsync(cancellationToken);

    /// <summary>Waits for the send lock up to <paramref name="timeout"/>: for a close marker that must not interleave with a send.</summary>
    public bool TryEnterSend(TimeSpan timeout)
    {
        if (Interlocked.Increment(ref _sendTickets) == 1 || _sendTurn!.Wait(timeout))
        {
            return true;
        }

        PassTurnOn();
        return false;
    }

    public void ExitSend()
    {
        if (Interlocked.Decrement(ref _sendTickets) != 0)
        {
            _sendTurn!.Release();
        }
    }

    private async Task WaitTurnAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _sendTurn!.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            PassTurnOn();
            throw;
        }
    }

    /// <summary>For a waiter that gave up: its turn, when it comes, is handed straight to the next.</summary>
    private void PassTurnOn() =>
        _ = _sendTurn!.WaitAsync().ContinueWith(static (_, core) => ((ConnectionCore)core!).ExitSend(), this, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
}
