namespace IpcKit.Transports.Tests;

/// <summary>
/// A token that is cancelled before the call starts: every transport refuses the call the same way, as .NET's own
/// streams do, whether or not the operation could have completed at once. Before this, the rings sent the message and
/// handed out a waiting one while the stream transports threw.
/// </summary>
public abstract partial class TransportConformanceTests
{
    [Fact]
    public async Task A_send_whose_token_is_already_cancelled_sends_nothing_and_leaves_the_connection_usable()
    {
        var (server, client) = await ConnectPairAsync();
        var cancelled = new CancellationToken(canceled: true);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.SendAsync(new byte[] { 1, 2, 3 }, cancelled).Within());

        // Nothing went out and nothing was aborted: the next message is the first the peer sees.
        await client.SendAsync(new byte[] { 4, 5 }).Within();
        var received = await server.ReceiveAsync().Within();
        Assert.Equal(new byte[] { 4, 5 }, received!.Value.ToArray());
        Assert.False(client.Closed.IsCancellationRequested, "the refused send closed the connection");
    }

    [Fact]
    public async Task A_receive_whose_token_is_already_cancelled_takes_nothing_even_when_a_message_waits()
    {
        var (server, client) = await ConnectPairAsync();
        await client.SendAsync(new byte[] { 7 }).Within();
        await client.SendAsync(new byte[] { 8 }).Within();

        // The first message is taken, so the second one is already here (in the ring, or in the receive buffer of a
        // stream transport that read both at once) when the cancelled receive comes.
        Assert.Equal(7, (await server.ReceiveAsync().Within())!.Value.Span[0]);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => server.ReceiveAsync(new CancellationToken(canceled: true)).Within());

        Assert.Equal(8, (await server.ReceiveAsync().Within())!.Value.Span[0]);
        Assert.False(server.Closed.IsCancellationRequested, "the refused receive closed the connection");
    }
}
