using System.Globalization;
using IpcKit.Peers;
using IpcKit.Peers.JsonRpc;
using IpcKit.Peers.NetMq;
using IpcKit.Peers.Worker;
using IpcKit.Protocol.Samples;

// IpcKit.Peers.Worker PEER ADDRESS [CPU]
//   PEER     grpc-uds, grpc-tcp, jsonrpc-uds or netmq-tcp
//   ADDRESS  a fresh socket path in a private (0700) directory, or 127.0.0.1:0
//   CPU      pin every thread to this CPU (omit, or -1, for no pinning)
// Starts the peer's server, writes "ready ADDRESS" (the address clients connect to) as one line on stdout, answers
// "counters" lines (PeerWorkerProtocol), and serves until stdin reaches end of file: when the coordinator is done with
// it, or dies. Then it stops the server, removes the socket it made, and exits 0. A failure to start is one line on
// stderr and exit code 2.
if (args.Length is < 2 or > 3 || !PeerKind.TryGet(args[0], out var peer))
{
    Console.Error.WriteLine($"usage: IpcKit.Peers.Worker PEER ADDRESS [CPU]; PEER is one of {string.Join(", ", PeerKind.All.Select(p => p.Name))}.");
    return 2;
}

string address = args[1];
IAsyncDisposable server;
try
{
    if (args.Length == 3 && int.Parse(args[2], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture) is >= 0 and var cpu)
    {
        ProcessPinning.PinAllThreads(cpu);
    }

    if (peer.Addressing == PeerAddressing.UnixSocket)
    {
        PeerSockets.RequireFreshPrivatePath(address);
    }
    else if (address != "127.0.0.1:0")
    {
        throw new ArgumentException($"{peer.Name} listens on 127.0.0.1 on a port the kernel chooses: give 127.0.0.1:0, not {address}.");
    }

    // The server decodes orders and encodes receipts with MessagePack-CSharp, as IpcKit.Worker's reply role does: warm
    // that code up to the JIT's steady state before serving, off the clock, so that measured calls do not pay for it.
    SerializerWarmup.Run(OrderCodec.Options);

    server = peer.Name switch
    {
        "grpc-uds" => await GrpcServer.StartAsync(address),
        "grpc-tcp" => await GrpcServer.StartAsync(socketPath: null),
        "jsonrpc-uds" => JsonRpcOrderServer.Start(address),
        "netmq-tcp" => new AsyncDisposer(NetMqOrderServer.Start()),
        _ => throw new ArgumentException($"No server for peer '{peer.Name}'."),
    };
}
catch (Exception e) when (e is ArgumentException or FormatException or IOException or InvalidOperationException or UnauthorizedAccessException
                              or System.Net.Sockets.SocketException or NetMQ.NetMQException)
{
    Console.Error.WriteLine($"{peer.Name}: cannot start the server: {e.Message}{(e.InnerException is { } inner ? $" ({inner.Message})" : "")}");
    return 2;
}

await using (server)
{
    string bound = server switch
    {
        GrpcServer g => g.Address,
        JsonRpcOrderServer j => j.Address,
        AsyncDisposer { Inner: NetMqOrderServer n } => n.Address,
        _ => throw new InvalidOperationException("unreachable"),
    };
    Console.Out.WriteLine($"ready {bound}");
    Console.Out.Flush();

    // Answer counters requests until the coordinator closes our stdin (or dies, which closes it too).
    using var stdin = new StreamReader(Console.OpenStandardInput());
    while (await stdin.ReadLineAsync() is { } request)
    {
        Console.Out.WriteLine(request == PeerWorkerProtocol.CountersRequest
            ? PeerWorkerProtocol.FormatCounters(IpcKit.Protocol.ProcessCounters.Self())
            : $"error: unknown request '{request}'");
        Console.Out.Flush();
    }
}

if (peer.Name == "netmq-tcp")
{
    NetMQ.NetMQConfig.Cleanup(block: false);
}

return 0;

/// <summary>Lets a synchronous server share the worker's one <c>await using</c>.</summary>
internal sealed class AsyncDisposer(IDisposable inner) : IAsyncDisposable
{
    public IDisposable Inner { get; } = inner;

    public ValueTask DisposeAsync()
    {
        Inner.Dispose();
        return ValueTask.CompletedTask;
    }
}
