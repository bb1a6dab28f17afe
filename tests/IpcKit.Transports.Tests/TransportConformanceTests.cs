using System.Buffers.Binary;
using System.Security.Cryptography;

namespace IpcKit.Transports.Tests;

/// <summary>A transport under test and what its tests share: connected pairs, payloads, and cleanup of everything made.</summary>
public abstract class TransportTestBase : IAsyncLifetime
{
    private readonly List<IAsyncDisposable> _cleanup = [];

    internal Scratch Scratch { get; } = new();

    /// <summary>The transport under test, with a given maximum message size (0: the default).</summary>
    protected abstract ITransport CreateTransport(int maxMessageSize = 0);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        for (int i = _cleanup.Count - 1; i >= 0; i--)
        {
            await _cleanup[i].DisposeAsync();
        }

        Scratch.Dispose();
    }

    protected T Track<T>(T disposable) where T : IAsyncDisposable
    {
        _cleanup.Add(disposable);
        return disposable;
    }

    protected async Task<IListener> ListenAsync(ITransport? transport = null)
    {
        transport ??= CreateTransport();
        return Track(await transport.ListenAsync(transport.CreateEphemeralEndpoint(Scratch.Path)).Within());
    }

    /// <summary>A listener and a connected pair: (the accepted side, the connecting side).</summary>
    protected async Task<(IConnection Server, IConnection Client)> ConnectPairAsync(int maxMessageSize = 0)
    {
        var transport = CreateTransport(maxMessageSize);
        var listener = await ListenAsync(transport);
        var accept = listener.AcceptAsync().AsTask();
        var client = Track(await transport.ConnectAsync(listener.Endpoint).Within());
        var server = Track((await accept.Within())!);
        return (server, client);
    }

    protected static byte[] Payload(int size, int seed)
    {
        var bytes = new byte[size];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }
}

/// <summary>
/// The behaviour every transport promises. Each transport's test class derives from this one, so a new transport
/// gets the whole suite by writing three members.
/// </summary>
public abstract partial class TransportConformanceTests : TransportTestBase
{
    /// <summary>Whether one listener serves several clients.</summary>
    protected virtual bool SupportsManyClients => true;

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(100)]
    [InlineData(70_000)]
    public async Task A_message_of_any_size_arrives_whole_in_both_directions(int size)
    {
        var (server, client) = await ConnectPairAsync();
        byte[] sent = Payload(size, size);

        // Sends larger than a pipe's 64 KiB buffer complete only while the other side reads.
        var sending = client.SendAsync(sent).AsTask();
        var received = await server.ReceiveAsync().Within();
        await sending.Within();
        Assert.NotNull(received);
        Assert.Equal(sent, received.Value.ToArray());

        sending = server.SendAsync(sent).AsTask();
        var back = await client.ReceiveAsync().Within();
        await sending.Within();
        Assert.Equal(sent, back!.Value.ToArray());
    }

    [Fact]
    public async Task A_16_MiB_message_arrives_intact()
    {
        var (server, client) = await ConnectPairAsync();
        byte[] sent = Payload(16 << 20, 16);

        // Larger than any kernel buffer: the send completes only while the other side reads.
        var sending = client.SendAsync(sent).AsTask();
        var received = await server.ReceiveAsync().Within();
        await sending.Within();

        Assert.Equal(sent.Length, received!.Value.Length);
        Assert.True(SHA256.HashData(sent).AsSpan().SequenceEqual(SHA256.HashData(received.Value.Span)), "the payload changed on the way");
    }

    [Fact]
    public async Task Message_boundaries_are_kept_whatever_the_sizes()
    {
        var (server, client) = await ConnectPairAsync();
        var rng = new Random(7);
        int[] sizes = [.. Enumerable.Range(0, 300).Select(i => i % 10 == 0 ? rng.Next(20_000, 300_000) : rng.Next(0, 300))];

        var sending = Task.Run(async () =>
        {
            for (int i = 0; i < sizes.Length; i++)
            {
                await client.SendAsync(Payload(sizes[i], i));
            }
        });

        for (int i = 0; i < sizes.Length; i++)
        {
            var message = await server.ReceiveAsync().Within();
            Assert.True(message is not null, $"end of stream before message {i}");
            Assert.Equal(sizes[i], message.Value.Length);
            Assert.True(message.Value.Span.SequenceEqual(Payload(sizes[i], i)), $"message {i} changed");
        }

        await sending.Within();
    }

    [Fact]
    public async Task Many_messages_in_flight_in_both_directions_at_once_arrive_in_order()
    {
        var (server, client) = await ConnectPairAsync();
        const int count = 20_000;

        static async Task Send(IConnection c, int tag)
        {
            var buffer = new byte[64];
            for (int i = 0; i < count; i++)
            {
                BinaryPrimitives.WriteInt32LittleEndian(buffer, tag);
                BinaryPrimitives.WriteInt32LittleEndian(buffer.AsSpan(4), i);
                await c.SendAsync(buffer.AsMemory(0, 8 + (i % 56)));
            }
        }

        static async Task Receive(IConnection c, int tag)
        {
            for (int i = 0; i < count; i++)
            {
                var m = (await c.ReceiveAsync())!.Value;
                Assert.Equal(8 + (i % 56), m.Length);
                Assert.Equal(tag, BinaryPrimitives.ReadInt32LittleEndian(m.Span));
                Assert.Equal(i, BinaryPrimitives.ReadInt32LittleEndian(m.Span[4..]));
            }
        }

        await Task.WhenAll(
            Task.Run(() => Send(client, 1)), Task.Run(() => Send(server, 2)),
            Task.Run(() => Receive(server, 1)), Task.Run(() => Receive(client, 2))).Within(TimeSpan.FromSeconds(60));
    }

    [Fact]
    public async Task The_blocking_calls_carry_messages_like_the_async_ones()
    {
        var (server, client) = await ConnectPairAsync();
        var echo = Task.Run(() =>
        {
            while (server.Receive() is { } m)
            {
                server.Send(m.Span);
            }
        });

        for (int i = 0; i < 1000; i++)
        {
            byte[] sent = Payload(i % 200, i);
            client.Send(sent);
            Assert.Equal(sent, (await Task.Run(() => client.Receive()).Within())!.Value.ToArray());
        }

        await client.DisposeAsync();
        await echo.Within();
    }

    [Fact]
    public async Task A_clean_close_is_seen_as_end_of_stream_after_every_message()
    {
        var (server, client) = await ConnectPairAsync();
        for (int i = 0; i < 3; i++)
        {
            await client.SendAsync(new byte[] { (byte)i }).Within();
        }

        await client.DisposeAsync();

        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(i, (await server.ReceiveAsync().Within())!.Value.Span[0]);
        }

        Assert.Null(await server.ReceiveAsync().Within());
        Assert.Null(await server.ReceiveAsync().Within());
        Assert.True(server.Closed.IsCancellationRequested);
    }

    [Fact]
    public async Task Cancelling_a_pending_receive_loses_nothing()
    {
        var (server, client) = await ConnectPairAsync();
        using var cts = new CancellationTokenSource();
        var pending = server.ReceiveAsync(cts.Token).AsTask();
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pending.Within());

        await client.SendAsync(new byte[] { 42, 43 }).Within();
        var message = await server.ReceiveAsync().Within();
        Assert.Equal(new byte[] { 42, 43 }, message!.Value.ToArray());
    }

    [Fact]
    public async Task Sending_more_than_the_maximum_message_size_is_refused_before_anything_is_sent()
    {
        var (server, client) = await ConnectPairAsync(maxMessageSize: 1024);
        await Assert.ThrowsAsync<FrameTooLargeException>(() => client.SendAsync(new byte[1025]).Within());

        await client.SendAsync(new byte[1024]).Within();
        Assert.Equal(1024, (await server.ReceiveAsync().Within())!.Value.Length);
    }

    [Fact]
    public async Task Several_clients_are_served_by_one_listener()
    {
        var transport = CreateTransport();
        var listener = await ListenAsync(transport);
        if (!SupportsManyClients)
        {
            var only = Track((await listener.AcceptAsync().Within())!);
            using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => listener.AcceptAsync(cts.Token).AsTask());
            Assert.NotNull(only);
            return;
        }

        const int clients = 5;
        var serve = Task.Run(async () =>
        {
            var echoes = new List<Task>();
            for (int i = 0; i < clients; i++)
            {
                var c = Track((await listener.AcceptAsync())!);
                echoes.Add(Task.Run(async () =>
                {
                    while (await c.ReceiveAsync() is { } m)
                    {
                        await c.SendAsync(m);
                    }
                }));
            }

            await Task.WhenAll(echoes);
        });

        var connections = await Task.WhenAll(Enumerable.Range(0, clients).Select(async i =>
        {
            var c = await transport.ConnectAsync(listener.Endpoint).Within();
            await c.SendAsync(new byte[] { (byte)i }).Within();
            Assert.Equal(i, (await c.ReceiveAsync().Within())!.Value.Span[0]);
            return c;
        }));

        foreach (var c in connections)
        {
            await c.DisposeAsync();
        }

        await serve.Within();
    }

    [Fact]
    public async Task Disposing_the_listener_ends_a_pending_accept_with_null()
    {
        var transport = CreateTransport();
        var listener = await transport.ListenAsync(transport.CreateEphemeralEndpoint(Scratch.Path)).Within();
        if (!SupportsManyClients)
        {
            Track(listener);
            Track((await listener.AcceptAsync().Within())!);
        }

        var accept = listener.AcceptAsync().AsTask();
        await listener.DisposeAsync();
        Assert.Null(await accept.Within());
    }

    [Fact]
    public async Task Operations_on_an_aborted_connection_fail_with_a_typed_error()
    {
        var (server, client) = await ConnectPairAsync();
        var pending = Task.Run(() => server.Receive());
        server.Abort();
        await Assert.ThrowsAsync<ConnectionClosedException>(() => pending.Within());
        await Assert.ThrowsAsync<ConnectionClosedException>(() => server.SendAsync(new byte[1]).Within());
        Assert.True(server.Closed.IsCancellationRequested);
        _ = client;
    }
}

/// <summary>
/// The promises of transports between processes (everything but the in-process baselines): the peer is a real process.
/// </summary>
public abstract partial class CrossProcessConformanceTests : TransportConformanceTests
{
    [Fact]
    public async Task A_real_process_on_the_other_side_echoes_messages()
    {
        var transport = CreateTransport();
        var listener = await ListenAsync(transport);
        await using var peer = PeerProcess.Start("echo", listener.Endpoint.ToString(), listener as IHandleInheritingListener);
        var server = Track((await listener.AcceptAsync().Within())!);

        for (int i = 0; i < 100; i++)
        {
            byte[] sent = Payload(i * 37, i);
            await server.SendAsync(sent).Within();
            Assert.Equal(sent, (await server.ReceiveAsync().Within())!.Value.ToArray());
        }

        await server.DisposeAsync();
        await peer.WaitForExitAsync();
    }
}

/// <summary>
/// The extra promises of transports that carry a byte stream (pipes, sockets): the test peer writes raw bytes into
/// them that the IpcKit API would never produce, such as half a frame or an oversized header.
/// </summary>
public abstract partial class ByteStreamConformanceTests : CrossProcessConformanceTests
{
    [Fact]
    public async Task A_peer_killed_in_the_middle_of_a_message_is_a_typed_error_in_bounded_time()
    {
        var transport = CreateTransport();
        var listener = await ListenAsync(transport);
        await using var peer = PeerProcess.Start("half-frame", listener.Endpoint.ToString(), listener as IHandleInheritingListener);
        var server = Track((await listener.AcceptAsync().Within())!);
        await peer.WaitForLineAsync("wrote");

        await peer.KillAsync();

        var error = await Assert.ThrowsAsync<ConnectionClosedException>(() => server.ReceiveAsync().Within(TimeSpan.FromSeconds(5)));
        Assert.Contains("middle of a message", error.Message, StringComparison.Ordinal);
        Assert.True(server.Closed.IsCancellationRequested);
    }

    [Fact]
    public async Task A_declared_length_over_the_limit_is_rejected_from_the_header_alone()
    {
        // The peer declares 1000 bytes and sends only 10: the receiver must not wait for (or buffer) the rest.
        var transport = CreateTransport(maxMessageSize: 999);
        var listener = await ListenAsync(transport);
        await using var peer = PeerProcess.Start("half-frame", listener.Endpoint.ToString(), listener as IHandleInheritingListener);
        var server = Track((await listener.AcceptAsync().Within())!);
        await peer.WaitForLineAsync("wrote");

        var error = await Assert.ThrowsAsync<FrameTooLargeException>(() => server.ReceiveAsync().Within(TimeSpan.FromSeconds(5)));
        Assert.Equal(1000, error.DeclaredSize);
        Assert.Equal(999, error.Limit);
    }

    [Fact]
    public async Task A_listener_keeps_accepting_after_a_client_misbehaves()
    {
        var transport = CreateTransport(maxMessageSize: 999);
        var listener = await ListenAsync(transport);
        await using (var peer = PeerProcess.Start("half-frame", listener.Endpoint.ToString(), listener as IHandleInheritingListener))
        {
            var bad = Track((await listener.AcceptAsync().Within())!);
            await peer.WaitForLineAsync("wrote");
            await Assert.ThrowsAsync<FrameTooLargeException>(() => bad.ReceiveAsync().Within());
        }

        if (!SupportsManyClients)
        {
            // One peer only: after it, the listener must not hand out another connection.
            using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => listener.AcceptAsync(cts.Token).AsTask());
            return;
        }

        var accept = listener.AcceptAsync().AsTask();
        var good = Track(await transport.ConnectAsync(listener.Endpoint).Within());
        var served = Track((await accept.Within())!);
        await good.SendAsync(new byte[] { 1 }).Within();
        Assert.Equal(1, (await served.ReceiveAsync().Within())!.Value.Span[0]);
    }
}
