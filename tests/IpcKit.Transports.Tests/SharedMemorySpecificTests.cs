using System.Buffers.Binary;
using IpcKit.Transports.Files.Internal;
using IpcKit.Transports.Internal;
using IpcKit.Transports.SharedMemory;
using IpcKit.Transports.SharedMemory.Internal;

namespace IpcKit.Transports.Tests;

public sealed class SharedMemorySpecificTests
{
    private static string NewName() => "t" + Guid.NewGuid().ToString("N")[..12];

    /// <summary>Our files in /dev/shm for a listener name: its rendezvous file and any connection file.</summary>
    private static string[] ShmFiles(string name) => Directory.GetFiles("/dev/shm", $"ipckit-mmf-{name}*");

    private static async Task<(IListener Listener, IConnection Server, PeerProcess Peer)> AttachPeerAsync(string name, string wait)
    {
        var endpoint = Endpoint.Parse($"mmf://{name}?wait={wait}");
        var listener = await new MmfTransport().ListenAsync(endpoint).Within();
        var peer = PeerProcess.Start("attach", endpoint.ToString());
        var server = (await listener.AcceptAsync().Within())!;
        await peer.WaitForLineAsync("attached");
        return (listener, server, peer);
    }

    [Theory]
    [InlineData("spin")]
    [InlineData("backoff")]
    [InlineData("block")]
    public async Task A_peer_killed_while_this_side_waits_in_receive_is_a_typed_error_within_2_s_and_leaves_no_file(string wait)
    {
        string name = NewName();
        var (listener, server, peer) = await AttachPeerAsync(name, wait);
        await using (peer)
        {
            // Both sides have mapped the connection file, so it is gone already; only the listener's name is left.
            Assert.Equal([SegmentLayout.ListenerFile("/dev/shm", name)], ShmFiles(name));
            var receiving = Task.Run(() => server.Receive());
            await peer.KillAsync();
            var error = await Assert.ThrowsAsync<ConnectionClosedException>(() => receiving.Within(TimeSpan.FromSeconds(2)));
            Assert.Contains(peer.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), error.Message, StringComparison.Ordinal);
            Assert.True(server.Closed.IsCancellationRequested);
        }

        await server.DisposeAsync();
        await listener.DisposeAsync();
        Assert.Empty(ShmFiles(name));
    }

    [Theory]
    [InlineData("spin")]
    [InlineData("backoff")]
    [InlineData("block")]
    public async Task A_peer_killed_while_this_side_waits_in_send_on_a_full_ring_is_a_typed_error_within_2_s(string wait)
    {
        string name = NewName();
        var (listener, server, peer) = await AttachPeerAsync(name, wait);
        await using (peer)
        {
            // The peer never reads: four times the ring can never get through, so this send is bound to wait.
            var sending = Task.Run(() => server.Send(new byte[4 << 20]));
            await peer.KillAsync();
            await Assert.ThrowsAsync<ConnectionClosedException>(() => sending.Within(TimeSpan.FromSeconds(2)));
        }

        await server.DisposeAsync();
        await listener.DisposeAsync();
        Assert.Empty(ShmFiles(name));
    }

    [Fact]
    public async Task A_million_messages_arrive_in_order_with_none_lost_or_corrupted()
    {
        const int count = 1_000_000;
        var transport = new MmfTransport(new() { Capacity = 256 << 10 });
        await using var listener = await transport.ListenAsync(transport.CreateEphemeralEndpoint("")).Within();
        var accept = listener.AcceptAsync().AsTask();
        await using var client = await transport.ConnectAsync(listener.Endpoint).Within();
        await using var server = (await accept.Within())!;

        var sender = Task.Factory.StartNew(() =>
        {
            var buffer = new byte[12 + 200];
            var rng = new Random(1);
            for (long seq = 0; seq < count; seq++)
            {
                int size = 12 + (int)(seq % 200);
                rng.NextBytes(buffer.AsSpan(12, size - 12));
                BinaryPrimitives.WriteInt64LittleEndian(buffer, seq);
                BinaryPrimitives.WriteUInt32LittleEndian(buffer.AsSpan(8), Crc32C.Compute(buffer.AsSpan(12, size - 12)));
                client.Send(buffer.AsSpan(0, size));
            }
        }, TaskCreationOptions.LongRunning);

        var receiver = Task.Factory.StartNew(() =>
        {
            long expected = 0, lost = 0, corrupted = 0;
            while (expected < count)
            {
                var span = server.Receive()!.Value.Span;
                long seq = BinaryPrimitives.ReadInt64LittleEndian(span);
                if (BinaryPrimitives.ReadUInt32LittleEndian(span[8..]) != Crc32C.Compute(span[12..]) || span.Length != 12 + (int)(seq % 200))
                {
                    corrupted++;
                }

                lost += seq - expected;
                expected = seq + 1;
            }

            return (lost, corrupted);
        }, TaskCreationOptions.LongRunning);

        var (lost, corrupted) = await receiver.Within(TimeSpan.FromSeconds(60));
        await sender.Within();
        Assert.Equal(0, lost);
        Assert.Equal(0, corrupted);
    }

    [Fact]
    public async Task A_listener_file_left_by_a_killed_process_is_detected_and_replaced_not_reused()
    {
        // The stale file lives in a tmpfs directory of this test's own: every ipckit run sweeps /dev/shm for dead
        // listeners' files (issue 12), and one running meanwhile (the EndToEnd assembly runs beside this one under
        // `dotnet test IpcKit.sln`) would rightly remove the file this test inspects (seen once in three runs at load 50).
        string name = NewName();
        string dir = Directory.CreateDirectory(Path.Combine("/dev/shm", "ipckit-test-" + Guid.NewGuid().ToString("N")[..12])).FullName;
        try
        {
            await AStaleListenerFileIsDetectedAndReplacedAsync(name, dir);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static async Task AStaleListenerFileIsDetectedAndReplacedAsync(string name, string dir)
    {
        var endpoint = Endpoint.Parse($"mmf://{name}?dir={dir}");
        string path = SegmentLayout.ListenerFile(dir, name);
        int deadPid;
        await using (var crashed = PeerProcess.Start("listen", endpoint.ToString()))
        {
            await crashed.WaitForLineAsync("listening");
            deadPid = crashed.Id;
            await crashed.KillAsync(); // SIGKILL: no chance to unlink
        }

        new MmfTransport().RemoveStaleFiles(); // what an ipckit run starting at this moment does to /dev/shm
        Assert.True(File.Exists(path));
        var quick = new MmfTransport(new() { ConnectTimeout = TimeSpan.FromMilliseconds(300) });
        var refused = await Assert.ThrowsAsync<EndpointNotFoundException>(() => quick.ConnectAsync(endpoint).Within());
        Assert.Contains("stale", refused.Message, StringComparison.Ordinal);

        await using (var listener = await new MmfTransport().ListenAsync(endpoint).Within())
        {
            Assert.True(listener.ReplacedStaleEndpoint);
            Assert.Equal(Environment.ProcessId, ShmSegment.PeekHeader(path)!.Value.Owner.Pid);
            Assert.NotEqual(deadPid, Environment.ProcessId);
            var accept = listener.AcceptAsync().AsTask();
            await using var client = await new MmfTransport().ConnectAsync(endpoint).Within();
            await using var server = (await accept.Within())!;
            await client.SendAsync(new byte[] { 7 }).Within();
            Assert.Equal(7, (await server.ReceiveAsync().Within())!.Value.Span[0]);
        }

        Assert.Empty(Directory.GetFiles(dir));
    }

    [Fact]
    public async Task A_live_listener_is_never_taken_over()
    {
        string name = NewName();
        var endpoint = Endpoint.Parse($"mmf://{name}");
        await using var first = await new MmfTransport().ListenAsync(endpoint).Within();
        var error = await Assert.ThrowsAsync<EndpointInUseException>(() => new MmfTransport().ListenAsync(endpoint).Within());
        Assert.Contains("is listening there", error.Message, StringComparison.Ordinal);

        var accept = first.AcceptAsync().AsTask();
        await using var client = await new MmfTransport().ConnectAsync(endpoint).Within();
        Assert.NotNull(await accept.Within());
    }

    [Fact]
    public async Task Slots_claimed_by_clients_that_died_before_posting_are_taken_back()
    {
        // A real process that has exited (and been reaped): its pid names nobody alive.
        using var gone = System.Diagnostics.Process.Start("true")!;
        Assert.True(gone.WaitForExit(20_000));
        int deadPid = gone.Id;

        string name = NewName();
        var endpoint = Endpoint.Parse($"mmf://{name}");
        await using var listener = await new MmfTransport().ListenAsync(endpoint).Within();
        // Every slot claimed by the dead process, as if 32 clients had each died between claim and post. Written
        // through the file: the listener's shared mapping sees the same page.
        using (var file = File.OpenHandle(SegmentLayout.ListenerFile("/dev/shm", name), FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite))
        {
            var claimed = new byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(claimed, SegmentLayout.SlotClaimed | ((ulong)(uint)deadPid << 32));
            for (int i = 0; i < SegmentLayout.SlotCount; i++)
            {
                RandomAccess.Write(file, claimed, SegmentLayout.SlotsOffset + (i * SegmentLayout.SlotSize));
            }
        }

        var accept = listener.AcceptAsync().AsTask();
        await using var client = await new MmfTransport(new() { ConnectTimeout = TimeSpan.FromSeconds(10) }).ConnectAsync(endpoint).Within();
        await using var server = (await accept.Within())!;
        client.Send([42]);
        Assert.Equal([42], (await server.ReceiveAsync().Within())!.Value.ToArray());
    }

    [Fact]
    public async Task The_listener_file_is_for_the_current_user_only()
    {
        string name = NewName();
        await using var listener = await new MmfTransport().ListenAsync(Endpoint.Parse($"mmf://{name}")).Within();
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(SegmentLayout.ListenerFile("/dev/shm", name)));
    }

    [Fact]
    public async Task A_capacity_larger_than_the_free_space_fails_at_creation_and_leaves_no_file()
    {
        string name = NewName();
        var error = await Assert.ThrowsAsync<IpcException>(() => new MmfTransport().ListenAsync(Endpoint.Parse($"mmf://{name}?capacity=1TiB")).Within());
        Assert.Contains("smaller capacity", error.Message, StringComparison.Ordinal);
        Assert.Empty(ShmFiles(name));

        // Past the early check, the reservation itself (posix_fallocate) refuses, before anything is mapped.
        string path = SegmentLayout.ConnectionFile("/dev/shm", name, Environment.ProcessId, 1);
        var reserve = Assert.Throws<IpcException>(() => ShmSegment.TryCreate(path, SegmentLayout.ConnectionFileSize(1L << 40), "a test"));
        Assert.Contains("ENOSPC", reserve.Message, StringComparison.Ordinal);
        Assert.Empty(ShmFiles(name));
    }

    [Theory]
    [InlineData("mmf://x?wait=sometimes")]
    [InlineData("mmf://x?capacity=3000")]
    [InlineData("mmf://x?capacity=lots")]
    [InlineData("mmf://a/b")]
    [InlineData("shm://")]
    public async Task Bad_endpoints_are_argument_errors(string text) =>
        await Assert.ThrowsAsync<ArgumentException>(() => new MmfTransport().ListenAsync(Endpoint.Parse(text)).Within());

    [Fact]
    public void The_crc32c_matches_the_published_check_value()
    {
        Assert.Equal(0xE3069283u, Crc32C.Compute("123456789"u8));
        Assert.Equal(0u, Crc32C.Compute([]));
        Assert.Equal(0x8A9136AAu, Crc32C.Compute(new byte[32]));
    }
}

public sealed class NewTransportRegistryTests
{
    [Theory]
    [InlineData("shm", "mmf")]
    [InlineData("mmf", "mmf")]
    [InlineData("inproc", "thread")]
    [InlineData("file", "file")]
    public void The_new_transports_are_registered_with_a_description(string name, string scheme)
    {
        var transport = TransportRegistry.Default.Get(name);
        Assert.Equal(scheme, transport.Scheme);
        Assert.False(string.IsNullOrWhiteSpace(transport.Description));
    }
}
