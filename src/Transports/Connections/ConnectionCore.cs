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
    private readonly SemaphoreSlim? _sendLock;
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
        _sendLock = withSendLock ? new SemaphoreSlim(1, 1) : null;
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

    public void EnterSend() => _sendLock!.Wait();

    public Task EnterSendAsync(CancellationToken cancellationToken) => _sendLock!.WaitAsync(cancellationToken);

    /// <summary>Waits for the send lock up to <paramref name="timeout"/>: for a close marker that must not interleave with a send.</summary>
    public bool TryEnterSend(TimeSpan timeout) => _sendLock!.Wait(timeout);

    public void ExitSend() => _sendLock!.Release();
}
