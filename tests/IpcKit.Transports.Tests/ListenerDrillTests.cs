using System.Threading.Channels;

namespace IpcKit.Transports.Tests;

/// <summary>
/// The listener part of the fault drills (issue 12), for every transport: while clients that send garbage, oversized
/// or truncated frames, clients that never send, and many idle clients hold connections, a good client is still
/// served, and every bad connection ends in a typed error on the server.
/// </summary>
public abstract partial class TransportConformanceTests
{
    /// <summary>
    /// The misbehaving peers this transport can meet, as modes of the test peer program, each with how the server sees
    /// its connection end: "typed" (a ProtocolViolationException or ConnectionClosedException, with Closed cancelled),
    /// "clean end of stream", or null while it stays open and silent. In-process transports have none.
    /// </summary>
    protected virtual IReadOnlyList<(string Mode, string? Ending)> FaultPeers => [];

    [Fact]
    public async Task A_good_client_is_served_while_misbehaving_and_idle_clients_hold_connections()
    {
        var transport = CreateTransport(maxMessageSize: 1000);
        var listener = await ListenAsync(transport);
        if (!SupportsManyClients)
        {
            // One peer per listener (anonymous pipes): that one misbehaves, and gets a typed error.
            await using var peer = PeerProcess.Start("garbage", listener.Endpoint.ToString(), listener as IHandleInheritingListener);
            var only = Track((await listener.AcceptAsync().Within())!);
            await peer.WaitForLineAsync("wrote");
            await Assert.ThrowsAsync<FrameTooLargeException>(() => only.ReceiveAsync().Within());
            Assert.True(only.Closed.IsCancellationRequested);
            return;
        }

        var outcomes = Channel.CreateUnbounded<string>();
        _ = Task.Run(async () =>
        {
            while (await listener.AcceptAsync() is { } connection)
            {
                Track(connection);
                _ = Task.Run(() => ServeAsync(connection, outcomes.Writer));
            }
        });

        var peers = new List<PeerProcess>();
        try
        {
            foreach (var (mode, _) in FaultPeers)
            {
                var peer = PeerProcess.Start(mode == "killed" ? "attach" : mode, listener.Endpoint.ToString());
                peers.Add(peer);
                await peer.WaitForLineAsync(mode is "killed" or "attach" ? "attached" : "wrote");
                if (mode == "killed")
                {
                    await peer.KillAsync();
                }
            }

            for (int i = 0; i < 16; i++)
            {
                Track(await transport.ConnectAsync(listener.Endpoint).Within()); // idle: never sends
            }

            var good = Track(await transport.ConnectAsync(listener.Endpoint).Within());
            for (int i = 0; i < 3; i++)
            {
                byte[] sent = Payload(100 * i, i);
                await good.SendAsync(sent).Within();
                Assert.Equal(sent, (await good.ReceiveAsync().Within())!.Value.ToArray());
            }

            // Every connection of a peer that broke the format, or vanished, ended as it should (the listener lives on).
            var expected = FaultPeers.Where(p => p.Ending is not null).Select(p => p.Ending!).Order().ToList();
            var seen = new List<string>();
            for (int i = 0; i < expected.Count; i++)
            {
                seen.Add(await outcomes.Reader.ReadAsync().AsTask().Within());
            }

            Assert.Equal(expected, seen.Order().ToList());
            Assert.False(outcomes.Reader.TryRead(out string? more), $"a connection ended that should still be open: {more}");
        }
        finally
        {
            foreach (var peer in peers)
            {
                await peer.DisposeAsync();
            }
        }
    }

    private static async Task ServeAsync(IConnection connection, ChannelWriter<string> outcomes)
    {
        try
        {
            while (await connection.ReceiveAsync() is { } message)
            {
                await connection.SendAsync(message);
            }

            outcomes.TryWrite("clean end of stream");
        }
        catch (Exception e) when (e is ProtocolViolationException or ConnectionClosedException)
        {
            outcomes.TryWrite(connection.Closed.IsCancellationRequested ? "typed" : $"{e.GetType().Name}, but Closed is not cancelled");
        }
        catch (Exception e)
        {
            outcomes.TryWrite(e.ToString());
        }
    }
}

public abstract partial class CrossProcessConformanceTests
{
    /// <summary>Through the transport's own API a peer can stay silent, or die holding the connection.</summary>
    protected override IReadOnlyList<(string Mode, string? Ending)> FaultPeers => [("attach", null), ("killed", "typed")];
}

public abstract partial class ByteStreamConformanceTests
{
    /// <summary>
    /// On a byte stream a peer can also write what the IpcKit API never would. A peer killed between messages closes
    /// its socket at a frame boundary, which a stream cannot tell from a clean close.
    /// </summary>
    protected override IReadOnlyList<(string Mode, string? Ending)> FaultPeers =>
        [("attach", null), ("killed", "clean end of stream"), ("garbage", "typed"), ("oversized", "typed"), ("truncated", "typed"), ("silent", null)];
}
