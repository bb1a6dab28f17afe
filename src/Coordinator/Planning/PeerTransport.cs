using IpcKit.Peers;
using IpcKit.Transports;

namespace IpcKit.Coordinator.Planning;

/// <summary>
/// A framework peer (gRPC, StreamJsonRpc, NetMQ) as an entry of the plan's transport list, so that it is chosen with
/// <c>--transport</c>, listed, and shown in the same table as IpcKit's transports. It carries no IpcKit connection: the
/// framework's own client talks to its own server in a peer session (Running/PeerSession), and only the request workload drives it.
/// </summary>
internal sealed class PeerTransport(PeerKind peer) : ITransport
{
    public PeerKind Peer { get; } = peer;

    public string Scheme => Peer.Name;

    public IReadOnlyList<string> Aliases => [];

    public string Description => Peer.Description;

    /// <summary>The transports and the peers `ipckit bench` and `ipckit list` know, transports first.</summary>
    public static TransportRegistry Registry { get; } = PeerKind.All.Aggregate(TransportRegistry.Default, (registry, p) => registry.With(new PeerTransport(p)));

    public Endpoint CreateEphemeralEndpoint(string scratchDirectory) => Endpoint.Create(Scheme, Peer.EphemeralAddress(scratchDirectory));

    public ValueTask<IListener> ListenAsync(Endpoint endpoint, CancellationToken cancellationToken = default) => throw NotATransport();

    public ValueTask<IConnection> ConnectAsync(Endpoint endpoint, CancellationToken cancellationToken = default) => throw NotATransport();

    private NotSupportedException NotATransport() =>
        new($"{Scheme} is a framework peer, not an IpcKit transport: its own client calls its own server (IpcKit.Peers), for the request workload only.");
}
