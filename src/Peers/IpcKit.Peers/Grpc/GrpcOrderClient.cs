using System.Net.Sockets;
using global::Grpc.Core;
using global::Grpc.Net.Client;
using IpcKit.Protocol.Samples;

namespace IpcKit.Peers.Grpc;

/// <summary>
/// A Grpc.Net.Client channel to the peer worker's Kestrel: over a Unix socket through SocketsHttpHandler's connect
/// callback (as Microsoft's "inter-process communication with gRPC" guide does it), or over TCP loopback.
/// </summary>
internal sealed class GrpcOrderClient : IOrderClient
{
    private readonly GrpcChannel _channel;
    private readonly CallInvoker _invoker;
    private readonly CancellationTokenSource _abort = new();
    private readonly string _name;

    private GrpcOrderClient(string name, GrpcChannel channel)
    {
        _name = name;
        _channel = channel;
        _invoker = channel.CreateCallInvoker();
    }

    public static GrpcOrderClient Create(PeerKind peer, string address)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = OrderClients.ConnectTimeout,
            // One long-lived HTTP/2 connection, as a client of a local service keeps it.
            PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
            EnableMultipleHttp2Connections = false,
        };
        Uri uri;
        if (peer.Addressing == PeerAddressing.UnixSocket)
        {
            handler.ConnectCallback = (_, cancellationToken) => ConnectUnixAsync(address, cancellationToken);
            // Only the :authority header sees this host; the callback decides where the bytes go.
            uri = new Uri("http://localhost");
        }
        else
        {
            uri = new Uri($"http://{address}");
        }

        var channel = GrpcChannel.ForAddress(uri, new GrpcChannelOptions { HttpHandler = handler, DisposeHttpClient = true });
        return new GrpcOrderClient(peer.Name, channel);
    }

    public OrderReceipt Place(Order order)
    {
        try
        {
            return _invoker.BlockingUnaryCall(OrderGrpc.Place, null, new CallOptions(cancellationToken: _abort.Token), order);
        }
        catch (RpcException e)
        {
            throw new PeerCallException($"The {_name} call failed: {e.Status.StatusCode} {e.Status.Detail}", e);
        }
        catch (ObjectDisposedException e)
        {
            throw new PeerCallException($"The {_name} client was closed.", e);
        }
    }

    public void Abort()
    {
        try
        {
            _abort.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    public void Dispose()
    {
        _abort.Cancel();
        _channel.Dispose();
        _abort.Dispose();
    }

    private static async ValueTask<Stream> ConnectUnixAsync(string path, CancellationToken cancellationToken)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
