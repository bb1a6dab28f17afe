using System.Net;
using System.Net.Sockets;
using System.Text;
using IpcKit.Coordinator.Remote;
using IpcKit.Protocol;
using IpcKit.Transports;
using IpcKit.Transports.Tcp;

namespace IpcKit.Remote.Tests;

/// <summary>The guarded data listener over real loopback TCP: only the peer with the cookie gets in.</summary>
public sealed class CookieListenerTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);
    private readonly TcpTransport _tcp = new();
    private readonly List<string> _dropped = [];

    [Fact]
    public async Task Only_the_connection_presenting_the_cookie_is_admitted_while_intruders_are_dropped()
    {
        byte[] cookie = DataCookie.Create();
        await using var listener = new CookieListener(await _tcp.ListenAsync(Endpoint.Parse("tcp://127.0.0.1:0")), cookie, Drop);
        var (endpoint, handed) = DataCookie.TakeFrom(listener.Endpoint);
        Assert.Equal(cookie, handed);
        var accept = listener.AcceptAsync().AsTask();

        // A silent client first: it must not keep the right one out.
        using var silent = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await silent.ConnectAsync(IPEndPoint.Parse(endpoint.Address));
        await using var wrong = await _tcp.ConnectAsync(endpoint);
        wrong.Send(DataCookie.Create());
        using var garbage = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await garbage.ConnectAsync(IPEndPoint.Parse(endpoint.Address));
        await garbage.SendAsync(Encoding.ASCII.GetBytes("SSH-2.0-OpenSSH_9.2\r\n"));
        Assert.Null(await wrong.ReceiveAsync().AsTask().WaitAsync(Deadline)); // dropped before the right one arrives
        Assert.Equal(0, await garbage.ReceiveAsync(new byte[1]).WaitAsync(Deadline));

        await using var right = await _tcp.ConnectAsync(endpoint);
        right.Send(cookie);
        await using var admitted = await accept.WaitAsync(Deadline);
        Assert.NotNull(admitted);

        // The admitted connection carries data both ways, and the cookie is not delivered as data.
        right.Send("hello"u8);
        Assert.Equal("hello", Encoding.ASCII.GetString((await admitted.ReceiveAsync().AsTask().WaitAsync(Deadline))!.Value.Span));
        Assert.Equal(2, listener.Dropped);
        lock (_dropped)
        {
            Assert.Contains(_dropped, d => d.Contains("wrong cookie", StringComparison.Ordinal));
            Assert.Contains(_dropped, d => d.Contains("not a cookie", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task Once_the_worker_is_in_the_port_is_closed_to_everyone_else()
    {
        byte[] cookie = DataCookie.Create();
        await using var listener = new CookieListener(await _tcp.ListenAsync(Endpoint.Parse("tcp://127.0.0.1:0")), cookie, Drop);
        var (endpoint, _) = DataCookie.TakeFrom(listener.Endpoint);
        var accept = listener.AcceptAsync().AsTask();
        await using var right = await _tcp.ConnectAsync(endpoint);
        right.Send(cookie);
        await using var admitted = await accept.WaitAsync(Deadline);
        Assert.NotNull(admitted);

        using var late = new Socket(SocketType.Stream, ProtocolType.Tcp);
        var refused = await Assert.ThrowsAsync<SocketException>(() => late.ConnectAsync(IPEndPoint.Parse(endpoint.Address)).WaitAsync(Deadline));
        Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);
        Assert.Null(await listener.AcceptAsync());
    }

    [Fact]
    public async Task Without_the_right_peer_the_wait_ends_at_the_callers_deadline()
    {
        await using var listener = new CookieListener(await _tcp.ListenAsync(Endpoint.Parse("tcp://127.0.0.1:0")), DataCookie.Create(), Drop);
        var (endpoint, _) = DataCookie.TakeFrom(listener.Endpoint);
        using var deadline = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
        var accept = listener.AcceptAsync(deadline.Token).AsTask();
        await using var wrong = await _tcp.ConnectAsync(endpoint);
        wrong.Send(new byte[DataCookie.Length]);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => accept.WaitAsync(Deadline));
    }

    [Fact]
    public void A_cookie_travels_in_the_endpoint_and_comes_out_whole()
    {
        byte[] cookie = DataCookie.Create();
        var endpoint = DataCookie.AddTo(Endpoint.Parse("tcp://10.0.0.1:4000"), cookie);
        var (plain, back) = DataCookie.TakeFrom(Endpoint.Parse(endpoint.ToString()));
        Assert.Equal("tcp://10.0.0.1:4000", plain.ToString());
        Assert.Equal(cookie, back);
        Assert.Throws<FormatException>(() => DataCookie.TakeFrom(Endpoint.Parse("tcp://10.0.0.1:4000?cookie=abcd")));
    }

    private void Drop(string line)
    {
        lock (_dropped)
        {
            _dropped.Add(line);
        }
    }
}
