using System.Net.Sockets;
using IpcKit.Protocol.Samples;
using StreamJsonRpc;
using StreamJsonRpc.Protocol;

namespace IpcKit.Peers.JsonRpc;

/// <summary>
/// A StreamJsonRpc client over a Unix socket, with the MessagePack formatter and length-header framing (the
/// combination StreamJsonRpc recommends for speed), calling <c>Place</c> as a request that expects a result.
/// </summary>
internal sealed class JsonRpcOrderClient : IOrderClient
{
    private readonly global::StreamJsonRpc.JsonRpc _rpc;
    private readonly CancellationTokenSource _abort = new();
    private readonly object?[] _arguments = new object?[1];

    private JsonRpcOrderClient(global::StreamJsonRpc.JsonRpc rpc) => _rpc = rpc;

    public static async Task<JsonRpcOrderClient> ConnectAsync(string path, CancellationToken cancellationToken)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(OrderClients.ConnectTimeout);
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), deadline.Token);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            socket.Dispose();
            throw new PeerCallException($"Cannot connect to the jsonrpc-uds server at {path}: {e.Message}", e);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        return new JsonRpcOrderClient(JsonRpcOrders.Attach(new NetworkStream(socket, ownsSocket: true), target: null));
    }

    public OrderReceipt Place(Order order)
    {
        _arguments[0] = order;
        try
        {
            return _rpc.InvokeWithCancellationAsync<OrderReceipt>(JsonRpcOrders.PlaceMethod, _arguments, _abort.Token).GetAwaiter().GetResult()
                   ?? throw new PeerCallException("The jsonrpc-uds server answered with a nil receipt.");
        }
        catch (Exception e) when (e is RemoteRpcException or ConnectionLostException or OperationCanceledException or ObjectDisposedException)
        {
            throw new PeerCallException($"The jsonrpc-uds call failed: {e.Message}", e);
        }
    }

    public void Abort()
    {
        try
        {
            _abort.Cancel();
            _rpc.Dispose();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    public void Dispose()
    {
        Abort();
        _abort.Dispose();
    }
}
