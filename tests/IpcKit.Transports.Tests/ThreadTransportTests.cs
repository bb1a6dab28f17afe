using IpcKit.Transports.InProcess;

namespace IpcKit.Transports.Tests;

public sealed class ThreadTransportTests : TransportConformanceTests
{
    protected override ITransport CreateTransport(int maxMessageSize = 0) =>
        new ThreadTransport(maxMessageSize > 0 ? new() { MaxMessageSize = maxMessageSize } : null);
}

public sealed class ThreadBlockTransportTests : TransportConformanceTests
{
    protected override ITransport CreateTransport(int maxMessageSize = 0) =>
        new ThreadTransport(maxMessageSize > 0 ? new() { MaxMessageSize = maxMessageSize, Wait = RingWait.Block } : new() { Wait = RingWait.Block });
}

public sealed class ThreadSpecificTests
{
    [Fact]
    public async Task A_live_name_is_never_taken_over_and_is_free_again_after_dispose()
    {
        var transport = new ThreadTransport();
        var endpoint = transport.CreateEphemeralEndpoint("");
        var first = await transport.ListenAsync(endpoint).Within();
        await Assert.ThrowsAsync<EndpointInUseException>(() => transport.ListenAsync(endpoint).Within());
        await first.DisposeAsync();
        await using var second = await transport.ListenAsync(endpoint).Within();
    }

    [Fact]
    public async Task Connecting_to_a_name_nobody_listens_on_fails_typed_within_the_timeout()
    {
        var transport = new ThreadTransport(new() { ConnectTimeout = TimeSpan.FromMilliseconds(200) });
        await Assert.ThrowsAsync<EndpointNotFoundException>(() => transport.ConnectAsync(transport.CreateEphemeralEndpoint("")).Within());
    }
}
