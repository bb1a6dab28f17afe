using System.Net.Sockets;
using IpcKit.Protocol.Samples;
using StreamJsonRpc;

namespace IpcKit.Peers.JsonRpc;

/// <summary>What both ends of the StreamJsonRpc peer share: the method name and how a stream becomes a connection.</summary>
internal static class JsonRpcOrders
{
    public const string PlaceMethod = "Place";

    /// <summary>
    /// Starts JSON-RPC on <paramref name="stream"/>: MessagePack formatter, length-header framing. The formatter's user
    /// data (the order and the receipt) goes through MessagePack-CSharp with <see cref="OrderCodec.Options"/>, the
    /// standard resolver with untrusted-data security: inside the JSON-RPC envelope the order is the same MessagePack
    /// value the bare transports carry.
    /// </summary>
    /// <param name="stream">The connection; the returned object owns it.</param>
    /// <param name="target">The object whose methods answer requests (the server's), or null for a client.</param>
    public static global::StreamJsonRpc.JsonRpc Attach(Stream stream, object? target)
    {
        var formatter = new MessagePackFormatter();
        formatter.SetMessagePackSerializerOptions(OrderCodec.Options);
        var rpc = new global::StreamJsonRpc.JsonRpc(new LengthHeaderMessageHandler(stream, stream, formatter));
        if (target is not null)
        {
            rpc.AddLocalRpcTarget(target);
        }

        rpc.StartListening();
        return rpc;
    }
}

/// <summary>The server's method, as StreamJsonRpc calls it.</summary>
internal sealed class OrderDesk
{
    /// <summary>Answers an order with its receipt.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1822", Justification = "StreamJsonRpc calls the target object's instance methods.")]
    public OrderReceipt Place(Order order) => OrderReceipt.For(order);
}

/// <summary>
/// A StreamJsonRpc server on a Unix socket: accepts any number of clients, each its own JSON-RPC connection. Disposing
/// stops accepting, closes every connection and removes the socket file it created.
/// </summary>
internal sealed class JsonRpcOrderServer : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly string _path;
    private readonly List<global::StreamJsonRpc.JsonRpc> _connections = [];
    private readonly Task _accepting;
    private readonly CancellationTokenSource _stop = new();

    private JsonRpcOrderServer(Socket listener, string path)
    {
        _listener = listener;
        _path = path;
        _accepting = Task.Run(AcceptLoopAsync);
    }

    public string Address => _path;

    /// <summary>Binds <paramref name="path"/> (which must not exist yet) with mode 0600 and starts accepting.</summary>
    public static JsonRpcOrderServer Start(string path)
    {
        var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            listener.Bind(new UnixDomainSocketEndPoint(path));
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            listener.Listen(16);
            return new JsonRpcOrderServer(listener, path);
        }
        catch
        {
            listener.Dispose();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Dispose();
        await _accepting;
        lock (_connections)
        {
            foreach (var rpc in _connections)
            {
                rpc.Dispose();
            }
        }

        PeerSockets.DeleteOwnSocket(_path);
        _stop.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            var rpc = JsonRpcOrders.Attach(new NetworkStream(client, ownsSocket: true), new OrderDesk());
            lock (_connections)
            {
                _connections.RemoveAll(c => c.IsDisposed);
                _connections.Add(rpc);
            }
        }
    }
}
