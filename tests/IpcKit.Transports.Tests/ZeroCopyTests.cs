using IpcKit.Transports.InProcess;
using IpcKit.Transports.SharedMemory;

namespace IpcKit.Transports.Tests;

/// <summary>
/// What <see cref="IZeroCopySender"/> promises, on every ring transport: a claimed message arrives exactly as written
/// wherever it lands in the ring, an abandoned one never arrives, and a close never publishes half a claim. The rings
/// here are the smallest allowed (4 KiB), so that every test wraps many times.
/// </summary>
public abstract class ZeroCopyConformanceTests : TransportTestBase
{
    protected const int Capacity = 4096;

    // A claim is a ref struct: it lives in these synchronous helpers, never across an await.
    protected static void SendClaimed(IConnection connection, byte[] message)
    {
        using var claim = ((IZeroCopySender)connection).Claim(message.Length);
        message.CopyTo(claim.Span);
        claim.Commit();
    }

    private static void ClaimAndAbandon(IConnection connection, int length)
    {
        var claim = ((IZeroCopySender)connection).Claim(length);
        claim.Span.Fill(0xEE);
        claim.Abandon();
    }

    private static bool ClaimIsInPlace(IConnection connection, int length)
    {
        using var claim = ((IZeroCopySender)connection).Claim(length);
        return claim.InPlace;
    }

    [Fact]
    public async Task A_claimed_message_arrives_as_written_at_every_position_of_the_ring_and_an_abandoned_one_never()
    {
        var (server, client) = await ConnectPairAsync();
        var sender = (IZeroCopySender)client;
        Assert.Equal((Capacity / 4) - 12, sender.MaxClaimLength);
        long position = 0; // where the next record starts, as the ring counts it
        for (int target = 0; target < Capacity; target += 8)
        {
            // Fillers move the write position to the target offset; then a claim that is abandoned, then the real one.
            while (position % Capacity != target)
            {
                // Never past the end of the data area (that would add a padding record) nor past a quarter of the ring.
                long offset0 = position % Capacity;
                long distance = target > offset0 ? target - offset0 : Capacity - offset0;
                int delta = (int)Math.Min(distance, Capacity / 4);
                byte[] filler = Payload(delta - 4, target);
                client.Send(filler);
                Assert.Equal(filler, server.Receive()!.Value.ToArray());
                position += delta;
            }

            ClaimAndAbandon(client, sender.MaxClaimLength);
            byte[] message = Payload(1000, target + 1);
            SendClaimed(client, message);
            Assert.Equal(message, server.Receive()!.Value.ToArray());
            long offset = position % Capacity;
            position += (Capacity - offset < 1008 ? Capacity - offset : 0) + 1008;
        }

        await client.DisposeAsync();
        Assert.Null(await server.ReceiveAsync().Within());
    }

    [Fact]
    public async Task A_claim_committed_shorter_sends_only_the_bytes_given_and_the_ring_goes_on()
    {
        var (server, client) = await ConnectPairAsync();
        for (int i = 0; i < 200; i++)
        {
            byte[] message = Payload(i * 5 % 900, i);
            CommitShort(client, message, claimed: 1000);
            Assert.Equal(message, server.Receive()!.Value.ToArray());
        }

        static void CommitShort(IConnection connection, byte[] message, int claimed)
        {
            var claim = ((IZeroCopySender)connection).Claim(claimed);
            message.CopyTo(claim.Span);
            claim.Commit(message.Length);
        }
    }

    [Fact]
    public async Task A_claim_larger_than_a_quarter_of_the_ring_is_staged_and_arrives_whole()
    {
        var (server, client) = await ConnectPairAsync();
        var sender = (IZeroCopySender)client;
        Assert.True(ClaimIsInPlace(client, sender.MaxClaimLength));
        Assert.False(ClaimIsInPlace(client, sender.MaxClaimLength + 1));
        byte[] large = Payload(5 * Capacity + 3, 7);
        var receive = Task.Run(() => server.Receive()!.Value.ToArray());
        SendClaimed(client, large);
        Assert.Equal(large, await receive.Within());
        byte[] small = Payload(10, 8);
        SendClaimed(client, small);
        Assert.Equal(small, server.Receive()!.Value.ToArray());
    }

    [Fact]
    public async Task Claims_out_of_range_or_reused_are_refused_with_clear_errors()
    {
        var (_, client) = await ConnectPairAsync(maxMessageSize: 3000);
        var sender = (IZeroCopySender)client;
        Assert.Throws<ArgumentOutOfRangeException>(() => sender.Claim(-1));
        Assert.Throws<FrameTooLargeException>(() => sender.Claim(3001));
        Assert.Throws<InvalidOperationException>(() => CommitTwice(client));
        Assert.Throws<ArgumentOutOfRangeException>(() => CommitLonger(client));
        Assert.Throws<InvalidOperationException>(() => default(SendClaim).Commit());

        static void CommitTwice(IConnection connection)
        {
            var claim = ((IZeroCopySender)connection).Claim(8);
            claim.Commit();
            claim.Abandon(); // over already: does nothing
            claim.Commit();
        }

        static void CommitLonger(IConnection connection)
        {
            using var claim = ((IZeroCopySender)connection).Claim(8);
            claim.Commit(9);
        }
    }

    [Fact]
    public async Task A_claim_open_when_the_connection_is_aborted_publishes_nothing()
    {
        var (server, client) = await ConnectPairAsync();
        SendClaimed(client, Payload(16, 1));
        Assert.Throws<ConnectionClosedException>(() => ClaimAbortCommit(client));
        Assert.Equal(16, server.Receive()!.Value.Length);
        await Assert.ThrowsAsync<ConnectionClosedException>(() => server.ReceiveAsync().Within());
        Assert.Throws<ConnectionClosedException>(() => ((IZeroCopySender)client).Claim(8));

        static void ClaimAbortCommit(IConnection connection)
        {
            using var claim = ((IZeroCopySender)connection).Claim(100);
            claim.Span.Fill(1);
            connection.Abort();
            claim.Commit();
        }
    }

    [Fact]
    public async Task A_claim_waiting_for_room_is_ended_by_a_close_on_either_side()
    {
        var (server, client) = await ConnectPairAsync();
        byte[] quarter = Payload(((IZeroCopySender)client).MaxClaimLength, 2);
        for (int i = 0; i < 4; i++)
        {
            SendClaimed(client, quarter); // the ring is full now: nobody receives
        }

        var blocked = Task.Run(() => SendClaimed(client, quarter));
        var abort = Task.Run(async () =>
        {
            // Nothing to wait on for "the claim is blocked" from outside; whether it blocks before or after the
            // abort, it must end with the typed error.
            await Task.Yield();
            server.Abort();
        });
        await abort.Within();
        await Assert.ThrowsAsync<ConnectionClosedException>(() => blocked.Within());
    }

    [Fact]
    public async Task Sends_from_another_thread_wait_for_an_open_claim_and_keep_their_order()
    {
        var (server, client) = await ConnectPairAsync();
        var release = new ManualResetEventSlim();
        var claimed = new ManualResetEventSlim();
        var claimer = Task.Run(() =>
        {
            using var claim = ((IZeroCopySender)client).Claim(4);
            claim.Span.Fill(1);
            claimed.Set();
            release.Wait(Deadline.Default);
            claim.Commit();
        });
        Assert.True(claimed.Wait(Deadline.Default));
        var other = client.SendAsync(new byte[] { 2, 2 }).AsTask();
        Assert.False(other.IsCompleted);
        release.Set();
        await claimer.Within();
        await other.Within();
        Assert.Equal([1, 1, 1, 1], (await server.ReceiveAsync().Within())!.Value.ToArray());
        Assert.Equal([2, 2], (await server.ReceiveAsync().Within())!.Value.ToArray());
    }
}

public sealed class MmfZeroCopyTests : ZeroCopyConformanceTests
{
    protected override ITransport CreateTransport(int maxMessageSize = 0) =>
        new MmfTransport(new() { Capacity = Capacity, MaxMessageSize = maxMessageSize > 0 ? maxMessageSize : 64 << 20 });

    [Fact]
    public async Task A_real_process_receives_claimed_messages_of_every_size_up_to_beyond_the_claim_limit()
    {
        var transport = CreateTransport();
        var listener = await ListenAsync(transport);
        await using var peer = PeerProcess.Start("echo", listener.Endpoint.ToString());
        var server = Track((await listener.AcceptAsync().Within())!);
        for (int size = 0; size < 3 * Capacity; size += 97)
        {
            byte[] sent = Payload(size, size);
            var echo = server.ReceiveAsync().AsTask();
            SendClaimed(server, sent);
            Assert.Equal(sent, (await echo.Within())!.Value.ToArray());
        }

        await server.DisposeAsync();
        await peer.WaitForExitAsync();
    }
}

public sealed class ThreadZeroCopyTests : ZeroCopyConformanceTests
{
    protected override ITransport CreateTransport(int maxMessageSize = 0) =>
        new ThreadTransport(new() { Capacity = Capacity, MaxMessageSize = maxMessageSize > 0 ? maxMessageSize : 64 << 20 });
}
