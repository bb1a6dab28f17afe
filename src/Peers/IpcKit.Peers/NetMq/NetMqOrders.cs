using System.Buffers;
using System.Runtime.InteropServices;
using IpcKit.Protocol.Samples;
using NetMQ;
using NetMQ.Sockets;

namespace IpcKit.Peers.NetMq;

/// <summary>
/// NetMQ REQ against a ROUTER answering as REP would: one frame with the order, one frame with the receipt.
/// </summary>
/// <remarks>
/// Over TCP loopback on a port the kernel chooses, rather than <c>ipc://</c>: NetMQ is managed ZeroMQ, and its
/// <c>ipc://NAME</c> is not a Unix socket but TCP on 127.0.0.1, on a port computed from a hash of NAME (seen here:
/// <c>ipc://ipckit-probe</c> listened on 127.0.0.1:22603). That is the same mechanism as this, but open to every
/// local user and bound to a port that may already be taken; a port the kernel picks and the worker reports is the
/// same cost, honestly named.
/// </remarks>
internal static class NetMqOrders
{
    /// <summary>How often a blocked receive looks whether it was aborted or stopped.</summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(50);

    /// <summary>Encodes into a reused buffer and sends the written bytes as one frame, without copying them first.</summary>
    public static void SendEncoded(NetMQSocket socket, ArrayBufferWriter<byte> buffer)
    {
        if (!MemoryMarshal.TryGetArray(buffer.WrittenMemory, out ArraySegment<byte> written) || written.Offset != 0)
        {
            throw new InvalidOperationException("An ArrayBufferWriter's memory is one array from offset 0.");
        }

        socket.SendFrame(written.Array!, written.Count);
    }
}

/// <summary>A REQ socket connected to the peer worker's ROUTER socket.</summary>
internal sealed class NetMqOrderClient : IOrderClient
{
    private readonly RequestSocket _socket;
    private readonly ArrayBufferWriter<byte> _buffer = new(512);
    private volatile bool _aborted;

    private NetMqOrderClient(RequestSocket socket) => _socket = socket;

    public static NetMqOrderClient Connect(string address)
    {
        var socket = new RequestSocket();
        try
        {
            socket.Options.Linger = TimeSpan.Zero;
            socket.Connect($"tcp://{address}");
            return new NetMqOrderClient(socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public OrderReceipt Place(Order order)
    {
        if (_aborted)
        {
            throw new PeerCallException("The netmq-tcp client was aborted.");
        }

        _buffer.ResetWrittenCount();
        OrderCodec.WriteOrder(_buffer, order);
        NetMqOrders.SendEncoded(_socket, _buffer);
        byte[]? reply;
        while (!_socket.TryReceiveFrameBytes(NetMqOrders.PollInterval, out reply))
        {
            if (_aborted)
            {
                throw new PeerCallException("The netmq-tcp client was aborted while it waited for a reply.");
            }
        }

        return OrderCodec.ReadReceipt(new ReadOnlySequence<byte>(reply));
    }

    public void Abort() => _aborted = true;

    public void Dispose()
    {
        _aborted = true;
        _socket.Dispose();
    }
}

/// <summary>
/// The server side of REQ/REP on 127.0.0.1 (a kernel-chosen port), answering on a thread of its own until disposed.
/// </summary>
/// <remarks>
/// A ROUTER socket with the REQ envelope handled here, not a REP socket: REP must answer each request before it may
/// receive the next, and a client that sent garbage and vanished (NetMQ reads bytes that do not start a ZMTP 3
/// greeting as the old ZMTP 1.0 framing) could leave it waiting to answer a peer that is gone, so that it never read the
/// next good client's request (seen in about one run in five of the garbage test). A ROUTER keeps no such turn: a
/// message without a well-formed envelope is dropped, and every reply goes back to the peer named in its envelope.
/// </remarks>
internal sealed class NetMqOrderServer : IDisposable
{
    private readonly RouterSocket _socket;
    private readonly Thread _thread;
    private volatile bool _stop;

    private NetMqOrderServer(RouterSocket socket, int port)
    {
        _socket = socket;
        Address = $"127.0.0.1:{port}";
        _thread = new Thread(Serve) { IsBackground = true, Name = "netmq-router" };
        _thread.Start();
    }

    /// <summary>Where clients connect: <c>127.0.0.1:PORT</c>.</summary>
    public string Address { get; }

    /// <summary>Binds 127.0.0.1 on a port the kernel chooses and starts answering.</summary>
    public static NetMqOrderServer Start()
    {
        var socket = new RouterSocket();
        try
        {
            socket.Options.Linger = TimeSpan.Zero;
            int port = socket.BindRandomPort("tcp://127.0.0.1");
            return new NetMqOrderServer(socket, port);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        _stop = true;
        _thread.Join(TimeSpan.FromSeconds(5));
        _socket.Dispose();
    }

    private void Serve()
    {
        var buffer = new ArrayBufferWriter<byte>(128);
        var frames = new List<byte[]>();
        while (!_stop)
        {
            // A REQ client's request arrives as [its identity, an empty delimiter, the order]; anything else is dropped.
            if (!_socket.TryReceiveMultipartBytes(NetMqOrders.PollInterval, ref frames) || frames is not [var identity, [], var request])
            {
                continue;
            }

            buffer.ResetWrittenCount();
            try
            {
                OrderCodec.WriteReceipt(buffer, OrderReceipt.For(OrderCodec.ReadOrder(new ReadOnlySequence<byte>(request))));
            }
            catch (Exception e) when (e is IpcKit.Transports.ProtocolViolationException or MessagePack.MessagePackSerializationException)
            {
                // Not one order (what MessagePackFrames.Read reports, or MessagePack-CSharp itself): the empty answer
                // below tells a bad client it was bad.
                buffer.ResetWrittenCount();
            }

            try
            {
                _socket.SendMoreFrame(identity).SendMoreFrameEmpty();
                NetMqOrders.SendEncoded(_socket, buffer);
            }
            catch (NetMQException)
            {
                // The client is gone: a ROUTER drops what it cannot route, so this is only a broken socket.
            }
        }
    }
}
