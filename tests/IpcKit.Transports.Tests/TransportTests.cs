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
