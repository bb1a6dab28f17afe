using IpcKit.Transports.Files;
using IpcKit.Transports.Files.Internal;
using IpcKit.Transports.Internal;

namespace IpcKit.Transports.Tests;

public sealed class FileTransportTests : CrossProcessConformanceTests
{
    protected override ITransport CreateTransport(int maxMessageSize = 0) =>
        new FileTransport(maxMessageSize > 0 ? new() { MaxMessageSize = maxMessageSize } : null);
}

public sealed class FileSpecificTests : IDisposable
{
    private readonly Scratch _scratch = new();

    public void Dispose() => _scratch.Dispose();

    private Endpoint At(string name, string query = "") => Endpoint.Parse("file://" + Path.Combine(_scratch.Path, name) + query);

    [Fact]
    public async Task A_corrupted_byte_in_the_spool_is_caught_by_the_crc()
    {
        var endpoint = At("crc");
        var transport = new FileTransport();
        await using var listener = await transport.ListenAsync(endpoint).Within();
        var accept = listener.AcceptAsync().AsTask();
        await using var client = await transport.ConnectAsync(endpoint).Within();
        await using var server = (await accept.Within())!;
        await client.SendAsync(new byte[] { 1, 2, 3, 4, 5, 6, 7, 8 }).Within();

        string spool = Directory.GetFiles(endpoint.Address, "*" + FileSettings.UpSuffix).Single();
        await using (var file = new FileStream(spool, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite))
        {
            file.Position = Spool.HeaderSize + Spool.RecordHeaderSize + 5;
            file.WriteByte(0xEE);
        }

        var error = await Assert.ThrowsAsync<ProtocolViolationException>(() => server.ReceiveAsync().Within());
        Assert.Contains("CRC-32C", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_reader_gives_back_the_blocks_it_has_read_so_a_long_connection_does_not_fill_the_disk()
    {
        var endpoint = At("long");
        var transport = new FileTransport();
        await using var listener = await transport.ListenAsync(endpoint).Within();
        var accept = listener.AcceptAsync().AsTask();
        await using var client = await transport.ConnectAsync(endpoint).Within();
        await using var server = (await accept.Within())!;
        string spool = Directory.GetFiles(endpoint.Address, "*" + FileSettings.UpSuffix).Single();

        const int Messages = 48;
        var message = new byte[1 << 20];
        for (int i = 0; i < Messages; i++)
        {
            message[0] = (byte)i;
            await client.SendAsync(message).Within();
            var received = (await server.ReceiveAsync().Within())!.Value;
            Assert.Equal(message.Length, received.Length);
            Assert.Equal((byte)i, received.Span[0]);
        }

        long size = new FileInfo(spool).Length;
        long allocated = Libc.AllocatedBytes(spool)!.Value;
        Assert.True(size >= Messages << 20, $"the spool holds {size} bytes");
        if (PunchesHoles(_scratch.Path))
        {
            // What is read is given back in 4 MiB steps: a few steps' worth at most remains.
            Assert.True(allocated < 12 << 20, $"the spool still occupies {allocated} bytes of {size}");
        }
        else
        {
            Assert.True(allocated >= Messages << 20, "a file system without hole punching keeps every block");
        }
    }

    /// <summary>Whether this directory's file system can deallocate part of a file.</summary>
    private static bool PunchesHoles(string directory)
    {
        string probe = Path.Combine(directory, "punch-probe");
        using (var file = File.OpenHandle(probe, FileMode.CreateNew, FileAccess.ReadWrite))
        {
            RandomAccess.Write(file, new byte[1 << 20], 0);
            RandomAccess.FlushToDisk(file);
            Libc.PunchHole(file, 0, 1 << 20);
        }

        bool punched = Libc.AllocatedBytes(probe) < 1 << 20;
        File.Delete(probe);
        return punched;
    }

    [Fact]
    public async Task The_directory_is_private_and_everything_is_removed_afterwards()
    {
        var endpoint = At("tidy", "?fsync=true");
        var transport = new FileTransport();
        var listener = await transport.ListenAsync(endpoint).Within();
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(endpoint.Address));
        var accept = listener.AcceptAsync().AsTask();
        var client = await transport.ConnectAsync(endpoint).Within();
        var server = (await accept.Within())!;
        Assert.All(Directory.GetFiles(endpoint.Address), f => Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(f)));
        await client.SendAsync(new byte[] { 9 }).Within();
        Assert.Equal(9, (await server.ReceiveAsync().Within())!.Value.Span[0]);

        await client.DisposeAsync();
        Assert.Null(await server.ReceiveAsync().Within());
        await server.DisposeAsync();
        await listener.DisposeAsync();
        Assert.False(Directory.Exists(endpoint.Address));
    }

    [Fact]
    public async Task A_killed_peer_is_a_typed_error_within_2_s()
    {
        var endpoint = At("kill");
        await using var listener = await new FileTransport().ListenAsync(endpoint).Within();
        await using var peer = PeerProcess.Start("attach", endpoint.ToString());
        await using var server = (await listener.AcceptAsync().Within())!;
        await peer.WaitForLineAsync("attached");
        var receiving = Task.Run(() => server.Receive());
        await peer.KillAsync();
        await Assert.ThrowsAsync<ConnectionClosedException>(() => receiving.Within(TimeSpan.FromSeconds(2)));
    }

    [Fact]
    public async Task A_listener_left_by_a_killed_process_is_replaced_and_a_live_one_kept()
    {
        var endpoint = At("stale");
        await using (var crashed = PeerProcess.Start("listen", endpoint.ToString()))
        {
            await crashed.WaitForLineAsync("listening");
            await crashed.KillAsync();
        }

        await using var listener = await new FileTransport().ListenAsync(endpoint).Within();
        Assert.True(listener.ReplacedStaleEndpoint);
        await Assert.ThrowsAsync<EndpointInUseException>(() => new FileTransport().ListenAsync(endpoint).Within());
    }
}
