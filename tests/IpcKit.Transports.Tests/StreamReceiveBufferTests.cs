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

    public void Dispose() => _scratch.Dispose();
}
