using System.Net.Sockets;
using IpcKit.Transports.Framing;

namespace IpcKit.Transports.Tests;

/// <summary>
/// The byte-stream connection's receive path: frames cut by <see cref="LengthPrefixFramer"/> whatever pieces the
/// bytes arrive in, and a receive buffer that costs what a peer sent, not what it declared (issue 12).
/// </summary>
public sealed class StreamConnectionTests
{
    private static readonly int[] Sizes = [0, 1, 3, 4, 5, 300, 70_000, 2];

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Frames_fed_one_byte_at_a_time_arrive_whole(bool blocking)
    {
        byte[] wire = Wire(Sizes);
        using var connection = StreamConnection.Create(new OneByteReads(wire, wire.Length), Stream.Null);

        for (int i = 0; i < Sizes.Length; i++)
        {
            var message = blocking ? connection.Receive() : await connection.ReceiveAsync().Within();
            Assert.True(message is not null, $"end of stream before message {i}");
            Assert.Equal(Payload(Sizes[i], i), message.Value.ToArray());
        }

        Assert.Null(blocking ? connection.Receive() : await connection.ReceiveAsync().Within());
    }

    [Fact]
    public async Task A_stream_that_ends_anywhere_gives_every_whole_frame_then_a_clean_end_or_a_typed_error()
    {
        int[] sizes = [0, 5, 1, 9];
        byte[] wire = Wire(sizes);
        var ends = new List<int>(); // where each frame ends on the wire
        foreach (int size in sizes)
        {
            ends.Add((ends.Count > 0 ? ends[^1] : 0) + LengthPrefixFramer.HeaderSize + size);
        }

        for (int cut = 0; cut <= wire.Length; cut++)
        {
            using var connection = StreamConnection.Create(new OneByteReads(wire, cut), Stream.Null);
            int whole = ends.Count(end => end <= cut);
            for (int i = 0; i < whole; i++)
            {
                Assert.Equal(Payload(sizes[i], i), (await connection.ReceiveAsync().Within())!.Value.ToArray());
            }

            if (cut == 0 || ends.Contains(cut))
            {
                Assert.Null(await connection.ReceiveAsync().Within());
            }
            else
            {
                var error = await Assert.ThrowsAsync<ConnectionClosedException>(() => connection.ReceiveAsync().Within());
                Assert.Contains("middle of a message", error.Message, StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public async Task Many_connections_that_send_only_a_header_declaring_64_MiB_cost_what_they_sent()
    {
        // A server whose heap is capped far below what the headers declare (16 × 64 MiB): reserving the declared size
        // (or twice it, as the pool rounds up) fails there with OutOfMemoryException.
        using var scratch = new Scratch();
        string path = Path.Combine(scratch.Path, "s.sock");
        await using var server = PeerProcess.Start("serve", $"unix://{path}",
            environment: new Dictionary<string, string> { ["DOTNET_GCHeapHardLimit"] = "0xC000000" }); // 192 MiB
        await server.WaitForLineAsync("listening");

        var idle = new List<Socket>();
        try
        {
            byte[] header = new byte[LengthPrefixFramer.HeaderSize];
            LengthPrefixFramer.WriteHeader(header, 64 << 20);
            for (int i = 0; i < 16; i++)
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                idle.Add(socket);
                await socket.ConnectAsync(new UnixDomainSocketEndPoint(path)).Within();
                await socket.SendAsync(header).Within();
            }

            // Accepted after the 16 (one accept loop, in order), each of which started its receive on a header already there.
            await using var good = await TransportRegistry.Default.ConnectAsync(Endpoint.Parse($"unix://{path}")).Within();
            await good.SendAsync("stats"u8.ToArray()).Within();
            string stats = System.Text.Encoding.ASCII.GetString((await good.ReceiveAsync().Within())!.Value.Span);

            var fields = stats.Split(' ').Select(f => f.Split('=')).ToDictionary(f => f[0], f => long.Parse(f[1], System.Globalization.CultureInfo.InvariantCulture));
            Assert.True(fields["errors"] == 0, $"the server failed receives: {stats}");
            Assert.True(fields["heap"] < 32 << 20, $"16 header-only connections took {fields["heap"] >> 20} MiB of heap: {stats}");
            await good.SendAsync(new byte[] { 5 }).Within();
            Assert.Equal(5, (await good.ReceiveAsync().Within())!.Value.Span[0]);
        }
        finally
        {
            idle.ForEach(s => s.Dispose());
        }
    }

    private static byte[] Payload(int size, int seed)
    {
        var bytes = new byte[size];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private static byte[] Wire(int[] sizes)
    {
        var wire = new MemoryStream();
        for (int i = 0; i < sizes.Length; i++)
        {
            byte[] header = new byte[LengthPrefixFramer.HeaderSize];
            LengthPrefixFramer.WriteHeader(header, sizes[i]);
            wire.Write(header);
            wire.Write(Payload(sizes[i], i));
        }

        return wire.ToArray();
    }

    /// <summary>The first <c>length</c> bytes of <c>bytes</c>, one per read, then end of stream: the smallest pieces a stream can deliver.</summary>
    private sealed class OneByteReads(byte[] bytes, int length) : Stream
    {
        private int _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            if (_position >= length || buffer.IsEmpty)
            {
                return 0;
            }

            buffer[0] = bytes[_position++];
            return 1;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(Read(buffer.Span));

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
