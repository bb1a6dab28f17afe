using IpcKit.Transports.InProcess.Internal;

namespace IpcKit.Transports.InProcess;

/// <summary>Settings of <see cref="ChannelTransport"/> and <see cref="ReferencePassingTransport"/>.</summary>
public sealed class InProcessTransportOptions : TransportOptions
{
    /// <summary>How many messages may wait in each direction before a sender waits. Default: 256.</summary>
    public int QueueCapacity { get; init; } = 256;

    internal InProcessTransportOptions Validated()
    {
        ValidateCommon();
        ArgumentOutOfRangeException.ThrowIfLessThan(QueueCapacity, 1, nameof(QueueCapacity));
        return this;
    }
}

/// <summary>
/// Two threads of one process over System.Threading.Channels (<c>channel://name</c>): each message is copied into a
/// pooled array and passed through a bounded channel; a waiting reader is woken through a task. The idiomatic .NET way
/// for threads to pass messages, as a baseline for the process transports.
/// </summary>
public sealed class ChannelTransport : IInProcessTransport
{
    private readonly InProcessTransportOptions _options;
    private readonly InProcessRendezvous _rendezvous = InProcessRendezvous.For("channel");

    /// <summary>Creates the transport with the given settings, or the defaults.</summary>
    public ChannelTransport(InProcessTransportOptions? options = null) => _options = (options ?? new()).Validated();

    /// <inheritdoc/>
    public string Scheme => "channel";

    /// <inheritdoc/>
    public IReadOnlyList<string> Aliases => [];

    /// <inheritdoc/>
    public string Description => "Two threads of one process over System.Threading.Channels (a copy into a pooled array per message)";

    /// <inheritdoc/>
    public Endpoint CreateEphemeralEndpoint(string scratchDirectory) => Endpoint.Create(Scheme, "c-" + Guid.NewGuid().ToString("N")[..16]);

    /// <inheritdoc/>
    public ValueTask<IListener> ListenAsync(Endpoint endpoint, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(_rendezvous.Listen(endpoint));

    /// <inheritdoc/>
    public ValueTask<IConnection> ConnectAsync(Endpoint endpoint, CancellationToken cancellationToken = default) =>
        _rendezvous.ConnectAsync(endpoint, _options.ConnectTimeout,
            _ => QueueConnection.CreatePair(endpoint, () => new ChannelMessageQueue(_options.QueueCapacity), _options.MaxMessageSize, handOverMemory: false),
            cancellationToken);
}

/// <summary>
/// Two threads of one process handing each other references to memory (<c>shared://name</c>): a message sent with
/// <see cref="IConnection.Send(ReadOnlyMemory{byte})"/> is not copied at all — the receiver reads the sender's own
/// buffer — and a sleeping reader is woken with a monitor pulse. The best that sharing an address space can do, and
/// what no process transport can: it is only safe because both threads see the same memory.
/// </summary>
public sealed class ReferencePassingTransport : IInProcessTransport
{
    private readonly InProcessTransportOptions _options;
    private readonly InProcessRendezvous _rendezvous = InProcessRendezvous.For("shared");

    /// <summary>Creates the transport with the given settings, or the defaults.</summary>
    public ReferencePassingTransport(InProcessTransportOptions? options = null) => _options = (options ?? new()).Validated();

    /// <inheritdoc/>
    public string Scheme => "shared";

    /// <inheritdoc/>
    public IReadOnlyList<string> Aliases => [];

    /// <inheritdoc/>
    public string Description => "Two threads of one process passing references to one buffer: no copy at all";

    /// <inheritdoc/>
    public Endpoint CreateEphemeralEndpoint(string scratchDirectory) => Endpoint.Create(Scheme, "s-" + Guid.NewGuid().ToString("N")[..16]);

    /// <inheritdoc/>
    public ValueTask<IListener> ListenAsync(Endpoint endpoint, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(_rendezvous.Listen(endpoint));

    /// <inheritdoc/>
    public ValueTask<IConnection> ConnectAsync(Endpoint endpoint, CancellationToken cancellationToken = default) =>
        _rendezvous.ConnectAsync(endpoint, _options.ConnectTimeout,
            _ => QueueConnection.CreatePair(endpoint, () => new ReferenceMessageQueue(_options.QueueCapacity), _options.MaxMessageSize, handOverMemory: true),
            cancellationToken);
}
