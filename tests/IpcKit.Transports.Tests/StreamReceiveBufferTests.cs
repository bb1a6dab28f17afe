using IpcKit.Transports.AnonymousPipes;
using IpcKit.Transports.Connections;
using IpcKit.Transports.NamedPipes;
using IpcKit.Transports.Tcp;
using IpcKit.Transports.UnixSockets;

namespace IpcKit.Transports.Tests;

/// <summary>
/// How a byte-stream connection buffers what it reads: a large frame is read into place once, never moved inside the
/// receive buffer afterwards (a second copy of every 64 KiB message, which cost streams a third of their rate).
/// </summary>
public sealed class StreamReceiveBufferTests : IDisposable
{
    private readonly Scratch _scratch = new();

    public static TheoryData<string, int> Cases() => new()
    {
        { "anon-pipe", 64 << 10 },
        { "unix", 64 << 10 },
        { "unix", 40 << 10 },
        { "tcp", 64 << 10 },
        { "pipe", 100 << 10 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task A_stream_of_large_messages_is_never_moved_inside_the_receive_buffer(string scheme, int size)
    {
        ITransport transport = scheme switch
        {
            "anon-pipe" => new AnonymousPipeTransport(),
            "unix" => new UnixSocketTransport(),
            "tcp" => new TcpTransport(),
            _ => new NamedPipeTransport(),
        };
        await using var listener = await transport.ListenAsync(transport.CreateEphemeralEndpoint(_scratch.Path)).Within();
        var accept = listener.AcceptAsync().AsTask();
        await using var client = await transport.ConnectAsync(listener.Endpoint).Within();
        await using var server = (await accept.Within())!;

        const int count = 48;
        var message = new byte[size];
        new Random(size).NextBytes(message);
        var sending = Task.Run(() =>
        {
            for (int i = 0; i < count; i++)
            {
                message[0] = (byte)i;
                client.Send(message);
            }
        });

        for (int i = 0; i < count; i++)
        {
            var received = (await server.ReceiveAsync().Within())!.Value;
            Assert.Equal(size, received.Length);
            Assert.Equal((byte)i, received.Span[0]);
            Assert.True(received.Span[1..].SequenceEqual(message.AsSpan(1)));
        }

        await sending.Within();
        Assert.Equal(0, ((FramedStreamConnection)server).CompactedBytes);
    }

    [Theory]
    [InlineData("unix")]
    [InlineData("anon-pipe")]
    public async Task A_stream_of_1_MiB_messages_grows_the_buffer_once_and_a_small_message_gives_it_back(string scheme)
    {
        ITransport transport = scheme == "unix" ? new UnixSocketTransport() : new AnonymousPipeTransport();
        await using var listener = await transport.ListenAsync(transport.CreateEphemeralEndpoint(_scratch.Path)).Within();
        var accept = listener.AcceptAsync().AsTask();
        await using var client = await transport.ConnectAsync(listener.Endpoint).Within();
        await using var server = (await accept.Within())!;
        var connection = (FramedStreamConnection)server;

        var large = new byte[1 << 20];
        new Random(3).NextBytes(large);
        var sending = Task.Run(() =>
        {
            for (int i = 0; i < 6; i++)
            {
                client.Send(large);
            }

            client.Send(new byte[100]);
        });

        Assert.Equal(large.Length, (await server.ReceiveAsync().Within())!.Value.Length);
        long grownOnce = connection.GrowthCopiedBytes; // the first one grows the array as its bytes arrive
        for (int i = 1; i < 6; i++)
        {
            var received = (await server.ReceiveAsync().Within())!.Value;
            Assert.True(received.Span.SequenceEqual(large), $"message {i} arrived changed");
        }

        Assert.Equal(grownOnce, connection.GrowthCopiedBytes); // the later ones reuse it: no copy, no regrowth
        Assert.Equal(100, (await server.ReceiveAsync().Within())!.Value.Length);
        Assert.True(connection.ReceiveBufferSize >= 1 << 20, "the buffer went back before the receive after the small message");
        await sending.Within();

        // The receive after a small message starts with an empty buffer: that is when the big array goes back.
        client.Send(new byte[100]);
        Assert.Equal(100, (await server.ReceiveAsync().Within())!.Value.Length);
        Assert.True(connection.ReceiveBufferSize <= 64 << 10, $"after a small message the buffer still holds {connection.ReceiveBufferSize} bytes");
    }

    public void Dispose() => _scratch.Dispose();
}
