namespace IpcKit.Transports;

/// <summary>
/// One kind of inter-process channel (named pipes, Unix sockets, TCP…), selected by the scheme of an <see cref="Endpoint"/>.
/// Implementations are thread-safe and hold no per-connection state.
/// </summary>
public interface ITransport
{
    /// <summary>The scheme this transport serves, e.g. <c>unix</c>.</summary>
    string Scheme { get; }

    /// <summary>Other schemes accepted for this transport (for example <c>shm</c> for <c>mmf</c>); may be empty.</summary>
    IReadOnlyList<string> Aliases { get; }

    /// <summary>One line saying what the transport is and which OS mechanism carries the bytes.</summary>
    string Description { get; }

    /// <summary>An endpoint suitable for a private, short-lived listener (a fresh name or path, or an ephemeral port).</summary>
    /// <param name="scratchDirectory">A directory private to the caller, for transports that need a file path.</param>
    Endpoint CreateEphemeralEndpoint(string scratchDirectory);

    /// <summary>Starts listening. The returned listener's <see cref="IListener.Endpoint"/> is what clients connect to.</summary>
    /// <exception cref="EndpointInUseException">Something live already holds the endpoint.</exception>
    /// <exception cref="ArgumentException">The endpoint is not valid for this transport; the message says why.</exception>
    ValueTask<IListener> ListenAsync(Endpoint endpoint, CancellationToken cancellationToken = default);

    /// <summary>Connects to a listener, within the transport's connect timeout.</summary>
    /// <exception cref="EndpointNotFoundException">Nothing accepted a connection at the endpoint in time.</exception>
    ValueTask<IConnection> ConnectAsync(Endpoint endpoint, CancellationToken cancellationToken = default);
}

/// <summary>A bound endpoint that accepts connections. Disposing it stops accepting and removes any file it created.</summary>
public interface IListener : IAsyncDisposable
{
    /// <summary>The endpoint actually bound: for <c>tcp://127.0.0.1:0</c> it carries the real port.</summary>
    Endpoint Endpoint { get; }

    /// <summary>
    /// Waits for the next client. Returns <see langword="null"/> once the listener is disposed.
    /// Several clients may connect, except where the transport says otherwise (anonymous pipes have exactly one peer).
    /// </summary>
    ValueTask<IConnection?> AcceptAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// True when listening found what a listener of this endpoint left behind when it died (the socket file, or the
    /// shared-memory or spool rendezvous file, of a process killed with SIGKILL) and replaced it with a fresh one; the old
    /// file's contents were never reused. Worth a note to the user. Always false for transports that leave nothing behind.
    /// </summary>
    bool ReplacedStaleEndpoint => false;
}

/// <summary>
/// A listener whose peer is a child process that inherits file descriptors (anonymous pipes). Call
/// <see cref="DisposeLocalCopyOfClientHandles"/> right after the child has started: until then this process
/// holds the child's ends too, and would never see end of stream when the child exits.
/// </summary>
public interface IHandleInheritingListener : IListener
{
    /// <summary>Closes this process's copies of the handles the child inherited. Safe to call more than once.</summary>
    void DisposeLocalCopyOfClientHandles();
}

/// <summary>
/// A full-duplex, message-oriented connection. Message boundaries are kept: one send is one receive.
/// </summary>
/// <remarks>
/// <para><b>Threading.</b> Sends may be called from several threads at once (they are serialized); there must be at
/// most one receive pending at a time, and it may run concurrently with sends.</para>
/// <para><b>Buffer lifetime.</b> The memory returned by <see cref="ReceiveAsync"/> or <see cref="Receive"/> belongs to
/// the connection. It stays valid until the next receive call on this connection, or until the connection is disposed,
/// whichever comes first; copy what you need to keep. This is what lets receiving allocate nothing per message.</para>
/// <para><b>Ends.</b> A clean close by the peer at a message boundary makes receive return <see langword="null"/>.
/// A peer that vanishes, or closes in the middle of a message, raises <see cref="ConnectionClosedException"/>. So does a
/// receive that this side's <see cref="Abort"/> or dispose ends, even one already waiting on another thread: null always
/// means the peer's clean close.</para>
/// </remarks>
public interface IConnection : IAsyncDisposable, IDisposable
{
    /// <summary>The endpoint this connection was accepted on or connected to.</summary>
    Endpoint Endpoint { get; }

    /// <summary>The largest message this connection sends or accepts, in bytes.</summary>
    int MaxMessageSize { get; }

    /// <summary>Cancelled once the connection is known to be closed: end of stream, an error, <see cref="Abort"/> or dispose.</summary>
    CancellationToken Closed { get; }

    /// <summary>
    /// Sends one message. A token cancelled before the call fails it with <see cref="OperationCanceledException"/> and
    /// sends nothing. Cancelling a send that has started writing aborts the connection, since the peer would otherwise
    /// see half a message.
    /// </summary>
    /// <exception cref="FrameTooLargeException">The message is larger than <see cref="MaxMessageSize"/>.</exception>
    /// <exception cref="ConnectionClosedException">The connection is closed or the peer has gone.</exception>
    ValueTask SendAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken = default);

    /// <summary>
    /// Receives the next message, or <see langword="null"/> at a clean end of stream. Cancelling a pending receive loses
    /// nothing: bytes that arrive afterwards are kept for the next receive. A token cancelled before the call fails it
    /// with <see cref="OperationCanceledException"/> and takes nothing, even when a message is waiting.
    /// </summary>
    /// <exception cref="ProtocolViolationException">The peer broke the wire format (for example <see cref="FrameTooLargeException"/>).</exception>
    /// <exception cref="ConnectionClosedException">The peer vanished or closed in the middle of a message, or this side aborted or disposed the connection.</exception>
    ValueTask<ReadOnlyMemory<byte>?> ReceiveAsync(CancellationToken cancellationToken = default);

    /// <summary>Sends one message, blocking the calling thread. Meant for a dedicated thread on a latency-critical path.</summary>
    void Send(ReadOnlySpan<byte> message);

    /// <summary>
    /// Sends one message held in memory the caller owns, blocking the calling thread. Transports that can hand memory
    /// to the peer without copying it (the in-process <c>shared</c> transport) do so: the caller must then leave the
    /// memory unchanged until the peer is done with it, as a request/reply exchange guarantees. Every other transport
    /// copies, exactly like <see cref="Send(ReadOnlySpan{byte})"/>.
    /// </summary>
    void Send(ReadOnlyMemory<byte> message) => Send(message.Span);

    /// <summary>Receives the next message, blocking the calling thread; <see langword="null"/> at a clean end of stream. Unblock it with <see cref="Abort"/>.</summary>
    ReadOnlyMemory<byte>? Receive();

    /// <summary>Closes the connection at once, without a graceful shutdown. Pending operations fail with <see cref="ConnectionClosedException"/>.</summary>
    void Abort();
}

/// <summary>
/// A transport whose two ends must live in the same process (threads sharing an address space): the in-process
/// baselines that process transports are compared against. A benchmark runs their peer on a thread, not in a worker process.
/// </summary>
public interface IInProcessTransport : ITransport
{
}

/// <summary>Settings every transport shares. Each transport has a sealed subclass with its own settings.</summary>
public abstract class TransportOptions
{
    /// <summary>The largest message sent or accepted, in bytes. Default: 64 MiB. A larger declared size is rejected from the frame header alone.</summary>
    public int MaxMessageSize { get; init; } = 64 << 20;

    /// <summary>How long a connect may take before it fails with <see cref="EndpointNotFoundException"/>. Default: 10 seconds.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Validates the settings shared by every transport.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range.</exception>
    protected void ValidateCommon()
    {
        if (MaxMessageSize is < 1 or > int.MaxValue - 64)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxMessageSize), MaxMessageSize, "MaxMessageSize must be between 1 byte and 2 GiB.");
        }

        if (ConnectTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(ConnectTimeout), ConnectTimeout, "ConnectTimeout must be positive.");
        }
    }
}
