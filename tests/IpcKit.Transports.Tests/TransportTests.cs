using IpcKit.Transports.AnonymousPipes;
using IpcKit.Transports.NamedPipes;
using IpcKit.Transports.Tcp;
using IpcKit.Transports.UnixSockets;

namespace IpcKit.Transports.Tests;

public sealed class NamedPipeTransportTests : ByteStreamConformanceTests
{
    protected override ITransport CreateTransport(int maxMessageSize = 0) =>
        new NamedPipeTransport(maxMessageSize > 0 ? new() { MaxMessageSize = maxMessageSize } : null);
}

public sealed class AnonymousPipeTransportTests : ByteStreamConformanceTests
{
    protected override bool SupportsManyClients => false;

    protected override ITransport CreateTransport(int maxMessageSize = 0) =>
        new AnonymousPipeTransport(maxMessageSize > 0 ? new() { MaxMessageSize = maxMessageSize } : null);
}

public sealed class UnixSocketTransportTests : ByteStreamConformanceTests
{
    protected override ITransport CreateTransport(int maxMessageSize = 0) =>
        new UnixSocketTransport(maxMessageSize > 0 ? new() { MaxMessageSize = maxMessageSize } : null);
}

public sealed class TcpTransportTests : ByteStreamConformanceTests
{
    protected override ITransport CreateTransport(int maxMessageSize = 0) =>
        new TcpTransport(maxMessageSize > 0 ? new() { MaxMessageSize = maxMessageSize } : null);
}

public sealed class ChannelTransportTests : TransportConformanceTests
{
    protected override ITransport CreateTransport(int maxMessageSize = 0) =>
        new InProcess.ChannelTransport(maxMessageSize > 0 ? new() { MaxMessageSize = maxMessageSize } : null);
}

public sealed class ReferencePassingTransportTests : TransportConformanceTests
{
    protected override ITransport CreateTransport(int maxMessageSize = 0) =>
        new InProcess.ReferencePassingTransport(maxMessageSize > 0 ? new() { MaxMessageSize = maxMessageSize } : null);

    [Fact]
    public async Task Memory_sent_as_memory_is_handed_over_without_a_copy()
    {
        var (server, client) = await ConnectPairAsync();
        byte[] buffer = [1, 2, 3];
        client.Send((ReadOnlyMemory<byte>)buffer);
        var received = await Task.Run(() => server.Receive()).Within();
        buffer[0] = 42; // the receiver sees the sender's own memory
        Assert.Equal(42, received!.Value.Span[0]);
    }
}

public sealed class InProcessNameTests
{
    [Theory]
    [InlineData("channel")]
    [InlineData("shared")]
    [InlineData("thread")]
    public async Task A_name_is_process_wide_whichever_instance_listens(string scheme)
    {
        ITransport Fresh() => scheme switch
        {
            "channel" => new InProcess.ChannelTransport(),
            "shared" => new InProcess.ReferencePassingTransport(),
            _ => new InProcess.ThreadTransport(),
        };

        var endpoint = Fresh().CreateEphemeralEndpoint("/tmp");
        await using var listener = await Fresh().ListenAsync(endpoint).Within();
        var accept = listener.AcceptAsync().AsTask();
        await using var client = await TransportRegistry.Default.ConnectAsync(endpoint).Within();
        await using var server = (await accept.Within())!;
        await client.SendAsync(new byte[] { 7 }).Within();
        Assert.Equal(7, (await server.ReceiveAsync().Within())!.Value.Span[0]);
        await Assert.ThrowsAsync<EndpointInUseException>(() => Fresh().ListenAsync(endpoint).Within());
    }
}
