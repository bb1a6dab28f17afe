using IpcKit.Peers.Grpc;
using IpcKit.Peers.JsonRpc;
using IpcKit.Peers.NetMq;
using IpcKit.Protocol.Samples;

namespace IpcKit.Peers;

/// <summary>
/// The client side of a peer: places an order with the peer's server the way that framework's users do (a gRPC unary
/// call, a JSON-RPC request, a REQ/REP exchange) and returns the receipt.
/// </summary>
/// <remarks>
/// One thread calls <see cref="Place"/> at a time (the benchmark's measuring thread). <see cref="Abort"/> may be called
/// from any thread: the call in progress, and every later one, fails with <see cref="PeerCallException"/>.
/// </remarks>
public interface IOrderClient : IDisposable
{
    /// <summary>Sends <paramref name="order"/> and waits for the receipt.</summary>
    /// <exception cref="PeerCallException">The server could not be reached, failed, or the client was aborted.</exception>
    OrderReceipt Place(Order order);

    /// <summary>Fails the call in progress and every later call; safe from any thread.</summary>
    void Abort();
}

/// <summary>A peer call failed: the server is gone, answered with an error, or the client was aborted.</summary>
public sealed class PeerCallException : Exception
{
    /// <summary>Creates the exception.</summary>
    public PeerCallException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public PeerCallException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public PeerCallException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>Connects the client of each peer kind.</summary>
public static class OrderClients
{
    /// <summary>How long connecting may take before it fails.</summary>
    public static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Connects a client of <paramref name="peer"/> to the server at <paramref name="address"/> (a socket path, or
    /// <c>127.0.0.1:PORT</c>), and places one order to prove the server answers.
    /// </summary>
    /// <exception cref="PeerCallException">No server answered in time.</exception>
    public static async Task<IOrderClient> ConnectAsync(PeerKind peer, string address, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(peer);
        ArgumentException.ThrowIfNullOrEmpty(address);
        IOrderClient client = peer.Name switch
        {
            "grpc-uds" or "grpc-tcp" => GrpcOrderClient.Create(peer, address),
            "jsonrpc-uds" => await JsonRpcOrderClient.ConnectAsync(address, cancellationToken),
            "netmq-tcp" => NetMqOrderClient.Connect(address),
            _ => throw new ArgumentException($"No client for peer '{peer.Name}'.", nameof(peer)),
        };

        try
        {
            // The first call proves the server answers (HTTP/2 and REQ sockets connect lazily); off the caller's thread
            // so that the deadline holds even while it blocks.
            var probe = Order.Sample(0);
            var receipt = await Task.Run(() => client.Place(probe), cancellationToken).WaitAsync(ConnectTimeout, cancellationToken);
            if (receipt != OrderReceipt.For(probe))
            {
                throw new PeerCallException($"The {peer.Name} server answered the first order with a wrong receipt.");
            }

            return client;
        }
        catch (TimeoutException e)
        {
            client.Abort();
            client.Dispose();
            throw new PeerCallException($"The {peer.Name} server at {address} did not answer within {ConnectTimeout.TotalSeconds:0} s.", e);
        }
        catch
        {
            client.Abort();
            client.Dispose();
            throw;
        }
    }
}
