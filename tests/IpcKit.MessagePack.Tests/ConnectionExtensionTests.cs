using IpcKit.Protocol.Samples;
using IpcKit.Transports;
using IpcKit.Transports.MessagePack;
using IpcKit.Transports.UnixSockets;
using MessagePack;

namespace IpcKit.MessagePack.Tests;

/// <summary>Typed send and receive over a real Unix socket connection.</summary>
public sealed class ConnectionExtensionTests : IAsyncLifetime, IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);
    private readonly string _directory = Directory.CreateTempSubdirectory("ipckit-mp-").FullName;
    private readonly CancellationTokenSource _timeout = new(Deadline);
    private IListener? _listener;
    private IConnection? _client;
    private IConnection? _server;

    private IConnection Client => _client!;

    private IConnection Server => _server!;

    public async Task InitializeAsync()
    {
        var transport = new UnixSocketTransport();
        _listener = await transport.ListenAsync(transport.CreateEphemeralEndpoint(_directory), _timeout.Token);
        ValueTask<IConnection?> accept = _listener.AcceptAsync(_timeout.Token);
        _client = await transport.ConnectAsync(_listener.Endpoint, _timeout.Token);
        _server = await accept ?? throw new InvalidOperationException("The listener closed before accepting.");
    }

    public async Task DisposeAsync()
    {
        if (_client is not null)
        {
            await _client.DisposeAsync();
        }

        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        if (_listener is not null)
        {
            await _listener.DisposeAsync();
        }

        Directory.Delete(_directory, recursive: true);
    }

    public void Dispose() => _timeout.Dispose();

    [Fact(Timeout = 30_000)]
    public async Task I_can_send_orders_and_receive_them_typed()
    {
        for (int seed = 0; seed < 50; seed++)
        {
            await Client.SendAsync(Order.Sample(seed), _timeout.Token);
        }

        for (int seed = 0; seed < 50; seed++)
        {
            Assert.Equal(Order.Sample(seed), await Server.ReceiveAsync<Order>(_timeout.Token));
        }

        await Server.SendAsync(new Dictionary<string, int> { ["ok"] = 1 }, _timeout.Token);
        Dictionary<string, int> reply = await Client.ReceiveAsync<Dictionary<string, int>>(_timeout.Token);
        Assert.Equal(1, reply["ok"]);
    }

    [Fact(Timeout = 30_000)]
    public async Task I_can_send_and_receive_typed_messages_synchronously()
    {
        Task<Order> receiver = Task.Run(() => Server.Receive<Order>());
        Client.Send(Order.Sample(9));
        Assert.Equal(Order.Sample(9), await receiver.WaitAsync(_timeout.Token));
    }

    [Fact(Timeout = 30_000)]
    public async Task A_clean_close_where_a_message_was_expected_is_ConnectionClosedException()
    {
        await Client.DisposeAsync();
        ConnectionClosedException ex = await Assert.ThrowsAsync<ConnectionClosedException>(async () => await Server.ReceiveAsync<Order>(_timeout.Token));
        Assert.Contains("Order", ex.Message, StringComparison.Ordinal);
    }

    [Fact(Timeout = 30_000)]
    public async Task Garbage_from_the_peer_is_a_ProtocolViolationException_and_the_next_message_still_reads()
    {
        await Client.SendAsync(new byte[] { 0x92, 0x01, 0xc1 }, _timeout.Token);
        await Client.SendAsync(new byte[] { 0x01, 0x02 }, _timeout.Token);
        await Client.SendAsync(new[] { 1, 2 }, _timeout.Token);
        ProtocolViolationException ex = await Assert.ThrowsAsync<ProtocolViolationException>(async () => await Server.ReceiveAsync<int[]>(_timeout.Token));
        Assert.IsType<MessagePackSerializationException>(ex.InnerException);
        ex = await Assert.ThrowsAsync<ProtocolViolationException>(async () => await Server.ReceiveAsync<int>(_timeout.Token));
        Assert.Contains("follow", ex.Message, StringComparison.Ordinal);
        int[] next = await Server.ReceiveAsync<int[]>(_timeout.Token);
        Assert.Equal([1, 2], next);
    }

    [Fact(Timeout = 30_000)]
    public async Task ReadAllAsync_yields_every_message_and_ends_at_a_clean_close()
    {
        for (int seed = 0; seed < 5; seed++)
        {
            await Client.SendAsync(OrderReceipt.For(Order.Sample(seed)), _timeout.Token);
        }

        await Client.DisposeAsync();
        var received = new List<OrderReceipt>();
        await foreach (OrderReceipt receipt in Server.ReadAllAsync<OrderReceipt>(cancellationToken: _timeout.Token))
        {
            received.Add(receipt);
        }

        Assert.Equal(Enumerable.Range(0, 5).Select(seed => OrderReceipt.For(Order.Sample(seed))), received);
    }

    [Fact(Timeout = 30_000)]
    public async Task Without_options_the_receive_side_applies_untrusted_data_limits()
    {
        byte[] deep = [.. Enumerable.Repeat((byte)0x91, 1000), 0xc0];
        await Client.SendAsync(deep, _timeout.Token);
        ProtocolViolationException ex = await Assert.ThrowsAsync<ProtocolViolationException>(async () => await Server.ReceiveAsync<object>(_timeout.Token));
        Assert.Contains("depth", ex.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Same(MessagePackSecurity.UntrustedData, Transports.MessagePack.MessagePackFrames.DefaultOptions.Security);
    }

    [Fact(Timeout = 30_000)]
    public async Task A_warm_typed_send_allocates_nothing_for_the_bytes()
    {
        var receipt = new OrderReceipt(1, 2.5, 3, true);
        Client.Send(receipt);
        _ = Server.Receive();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
        {
            Client.Send(receipt);
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        for (int i = 0; i < 100; i++)
        {
            Assert.Equal(receipt, await Server.ReceiveAsync<OrderReceipt>(_timeout.Token));
        }

        Assert.InRange(allocated, 0, 100 * 8);
    }

    [Fact(Timeout = 30_000)]
    public async Task A_byte_array_sent_typed_arrives_as_a_bin()
    {
        await Client.SendAsync<byte[]>([7, 8, 9], _timeout.Token);
        ReadOnlyMemory<byte>? raw = await Server.ReceiveAsync(_timeout.Token);
        Assert.Equal("c403070809", Convert.ToHexStringLower(raw!.Value.Span));
    }
}
