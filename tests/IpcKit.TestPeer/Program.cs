// A deliberately misbehaving peer for the transport tests: it runs in its own process so that tests can kill it with
// SIGKILL, and it can write raw bytes that the IpcKit API would never produce.
//
//   IpcKit.TestPeer half-frame ENDPOINT   write a frame header declaring 1000 bytes and 10 of them, print "wrote", wait
//   IpcKit.TestPeer echo ENDPOINT         connect with the transport API and echo every message until end of stream
//   IpcKit.TestPeer listen ENDPOINT       listen with the transport API, print "listening", wait (to be killed, leaving files)
//   IpcKit.TestPeer attach ENDPOINT       connect with the transport API, print "attached", then neither read nor write (to be killed)
//   IpcKit.TestPeer garbage ENDPOINT      raw: write 64 bytes that are no frame (the first 4 declare over 1000 bytes), print "wrote", wait
//   IpcKit.TestPeer oversized ENDPOINT    raw: write a header declaring 1001 bytes and 10 of them, print "wrote", wait
//   IpcKit.TestPeer truncated ENDPOINT    raw: write a header declaring 100 bytes and 10 of them, print "wrote", exit (closing)
//   IpcKit.TestPeer silent ENDPOINT       raw: connect, print "wrote" (nothing), wait
//   IpcKit.TestPeer serve ENDPOINT        listen, print "listening", echo on every connection; "stats" is answered with
//                                         "errors=N heap=BYTES": receives that failed other than by a closed or bad peer
using System.IO.Pipes;
using System.Net;
using System.Net.Sockets;
using IpcKit.Transports;

if (args.Length != 2)
{
    Console.Error.WriteLine("usage: IpcKit.TestPeer half-frame|echo ENDPOINT");
    return 2;
}

var endpoint = Endpoint.Parse(args[1]);
// Leave when the test runner goes away, whatever happens: stdin is a pipe from the parent.
_ = Task.Run(() =>
{
    Console.OpenStandardInput().CopyTo(Stream.Null);
    Environment.Exit(3);
});

switch (args[0])
{
    case "half-frame":
    {
        using Stream raw = await OpenRawAsync(endpoint);
        var bytes = new byte[14];
        BitConverter.TryWriteBytes(bytes, 1000u);
        raw.Write(bytes);
        raw.Flush();
        Console.WriteLine("wrote");
        await Task.Delay(Timeout.Infinite);
        return 0;
    }

    case "garbage" or "oversized" or "truncated" or "silent":
    {
        Stream raw = await OpenRawAsync(endpoint);
        byte[] bytes = args[0] switch
        {
            "garbage" => [.. Enumerable.Range(0, 64).Select(i => (byte)(0xF0 ^ (i * 37)))],
            "oversized" => [.. BitConverter.GetBytes(1001u), .. new byte[10]],
            "truncated" => [.. BitConverter.GetBytes(100u), .. new byte[10]],
            _ => [],
        };
        raw.Write(bytes);
        raw.Flush();
        Console.WriteLine("wrote");
        if (args[0] == "truncated")
        {
            raw.Dispose();
            return 0;
        }

        await Task.Delay(Timeout.Infinite);
        GC.KeepAlive(raw);
        return 0;
    }

    case "echo":
    {
        await using var connection = await TransportRegistry.Default.ConnectAsync(endpoint);
        while (await connection.ReceiveAsync() is { } message)
        {
            await connection.SendAsync(message);
        }

        return 0;
    }

    case "attach":
    {
        var connection = await TransportRegistry.Default.ConnectAsync(endpoint);
        Console.WriteLine("attached");
        await Task.Delay(Timeout.Infinite);
        GC.KeepAlive(connection);
        return 0;
    }

    case "listen":
    {
        var listener = await TransportRegistry.Default.ListenAsync(endpoint);
        Console.WriteLine("listening");
        await Task.Delay(Timeout.Infinite);
        GC.KeepAlive(listener);
        return 0;
    }

    case "serve":
    {
        await using var listener = await TransportRegistry.Default.ListenAsync(endpoint);
        Console.WriteLine("listening");
        int errors = 0;
        while (await listener.AcceptAsync() is { } connection)
        {
            _ = Task.Run(async () =>
            {
                try
                {
                    while (await connection.ReceiveAsync() is { } message)
                    {
                        if (message.Span.SequenceEqual("stats"u8))
                        {
                            GC.Collect();
                            string stats = $"errors={Volatile.Read(ref errors)} heap={GC.GetGCMemoryInfo().HeapSizeBytes}";
                            await connection.SendAsync(System.Text.Encoding.ASCII.GetBytes(stats));
                        }
                        else
                        {
                            await connection.SendAsync(message);
                        }
                    }
                }
                catch (Exception e) when (e is ConnectionClosedException or IpcKit.Transports.ProtocolViolationException)
                {
                    // A peer that vanished or broke the format: what a server must survive, not an error of its own.
                }
                catch (Exception e)
                {
                    Interlocked.Increment(ref errors);
                    Console.Error.WriteLine(e.GetType().Name + ": " + e.Message);
                }
                finally
                {
                    await connection.DisposeAsync();
                }
            });
        }

        return 0;
    }

    default:
        Console.Error.WriteLine($"unknown mode {args[0]}");
        return 2;
}

static async Task<Stream> OpenRawAsync(Endpoint endpoint)
{
    switch (endpoint.Scheme)
    {
        case "pipe":
        {
            var client = new NamedPipeClientStream(".", endpoint.Address, PipeDirection.InOut, PipeOptions.CurrentUserOnly);
            await client.ConnectAsync(10_000);
            return client;
        }

        case "anon-pipe":
            // The child's write end: what it sends to the parent.
            return new AnonymousPipeClientStream(PipeDirection.Out, endpoint.GetQueryValue("write")!);

        case "unix":
        {
            var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(endpoint.Address));
            return new NetworkStream(socket, ownsSocket: true);
        }

        case "tcp":
        {
            var (host, port) = SplitHostPort(endpoint.Address);
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Parse(host), port));
            return new NetworkStream(socket, ownsSocket: true);
        }

        default:
            throw new NotSupportedException($"No raw access for {endpoint.Scheme}.");
    }
}

static (string Host, int Port) SplitHostPort(string address)
{
    int colon = address.LastIndexOf(':');
    return (address[..colon], int.Parse(address[(colon + 1)..], System.Globalization.CultureInfo.InvariantCulture));
}
