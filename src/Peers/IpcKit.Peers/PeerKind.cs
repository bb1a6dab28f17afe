namespace IpcKit.Peers;

/// <summary>How a peer's server is reached.</summary>
public enum PeerAddressing
{
    /// <summary>A Unix domain socket file, created by the peer worker in a private (0700) directory, mode 0600.</summary>
    UnixSocket,

    /// <summary>A TCP port on 127.0.0.1, chosen by the kernel (the worker reports it).</summary>
    Loopback,
}

/// <summary>
/// One framework measured as a peer: the name users type after <c>--transport</c>, what carries its bytes, and how its
/// server is reached. A peer answers the request workload only (an Order in, a receipt out, one call each).
/// </summary>
/// <param name="Name">The name on the command line and in results, e.g. <c>grpc-uds</c>.</param>
/// <param name="Description">One line for <c>ipckit list</c>.</param>
/// <param name="Addressing">How the server is reached.</param>
public sealed record PeerKind(string Name, string Description, PeerAddressing Addressing)
{
    /// <summary>gRPC (Grpc.AspNetCore on Kestrel) over a Unix socket: what Microsoft's docs recommend for IPC.</summary>
    public static PeerKind GrpcUds { get; } = new(
        "grpc-uds", "gRPC unary call: Grpc.Net.Client → Grpc.AspNetCore on Kestrel, HTTP/2 over a Unix socket (0600)", PeerAddressing.UnixSocket);

    /// <summary>gRPC over TCP loopback.</summary>
    public static PeerKind GrpcTcp { get; } = new(
        "grpc-tcp", "gRPC unary call: Grpc.Net.Client → Grpc.AspNetCore on Kestrel, HTTP/2 over TCP 127.0.0.1", PeerAddressing.Loopback);

    /// <summary>StreamJsonRpc with its MessagePack formatter over a Unix socket: what Visual Studio's processes speak.</summary>
    public static PeerKind JsonRpcUds { get; } = new(
        "jsonrpc-uds", "StreamJsonRpc request (MessagePackFormatter, length-header framing) over a Unix socket (0600)", PeerAddressing.UnixSocket);

    /// <summary>NetMQ REQ/REP over TCP loopback (see <see cref="NetMq.NetMqOrders"/> for why not ipc://).</summary>
    public static PeerKind NetMqTcp { get; } = new(
        "netmq-tcp", "NetMQ REQ/REP (managed ZeroMQ) over TCP 127.0.0.1 (NetMQ's ipc:// is TCP 127.0.0.1 too, on a port hashed from the name)", PeerAddressing.Loopback);

    /// <summary>The IpcKit transport over the same mechanism, to set the framework against: <c>unix</c> or <c>tcp</c>.</summary>
    public string BareTransport => Addressing == PeerAddressing.UnixSocket ? "unix" : "tcp";

    /// <summary>Every peer, in the order <c>ipckit list</c> shows them.</summary>
    public static IReadOnlyList<PeerKind> All { get; } = [GrpcUds, GrpcTcp, JsonRpcUds, NetMqTcp];

    /// <summary>Finds a peer by name, case-insensitively.</summary>
    public static bool TryGet(string name, out PeerKind peer)
    {
        peer = All.FirstOrDefault(p => p.Name.Equals(name, StringComparison.OrdinalIgnoreCase))!;
        return peer is not null;
    }

    /// <summary>
    /// The address a fresh server should bind: a socket path in <paramref name="privateDirectory"/> (which must be the
    /// caller's own 0700 directory), or 127.0.0.1 port 0.
    /// </summary>
    public string EphemeralAddress(string privateDirectory) => Addressing switch
    {
        // Short names: a socket path must fit in 108 bytes.
        PeerAddressing.UnixSocket => Path.Combine(privateDirectory, $"p{Environment.ProcessId}-{Guid.NewGuid():N}"[..14] + ".sock"),
        _ => "127.0.0.1:0",
    };
}
