using System.Net;
using System.Net.Sockets;
using IpcKit.Transports.Internal;
using IpcKit.Transports.NamedPipes;
using IpcKit.Transports.Tcp;
using IpcKit.Transports.UnixSockets;

namespace IpcKit.Transports.Tests;

public sealed class UnixSocketSpecificTests : IDisposable
{
    private readonly Scratch _scratch = new();

    public void Dispose() => _scratch.Dispose();

    private Endpoint At(string name) => Endpoint.Create("unix", Path.Combine(_scratch.Path, name));

    [Fact]
    public async Task The_socket_file_is_for_the_current_user_only_and_removed_with_the_listener()
    {
        var endpoint = At("mode.sock");
        var listener = await new UnixSocketTransport().ListenAsync(endpoint).Within();
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(endpoint.Address));
        await listener.DisposeAsync();
        Assert.False(File.Exists(endpoint.Address));
    }

    [Fact]
    public async Task A_stale_socket_file_from_a_crashed_run_is_detected_and_replaced()
    {
        var endpoint = At("stale.sock");
        await using (var crashed = PeerProcess.Start("listen", endpoint.ToString()))
        {
            await crashed.WaitForLineAsync("listening");
            await crashed.KillAsync(); // SIGKILL: no chance to unlink
        }

        Assert.True(File.Exists(endpoint.Address));
        await using var listener = await new UnixSocketTransport().ListenAsync(endpoint).Within();
        Assert.True(listener.ReplacedStaleEndpoint);
    }

    [Fact]
    public async Task A_live_listener_is_never_taken_over()
    {
        var endpoint = At("live.sock");
        await using var first = await new UnixSocketTransport().ListenAsync(endpoint).Within();
        var error = await Assert.ThrowsAsync<EndpointInUseException>(() => new UnixSocketTransport().ListenAsync(endpoint).Within());
        Assert.Contains("another process is listening", error.Message, StringComparison.Ordinal);

        // The first listener still works.
        var accept = first.AcceptAsync().AsTask();
        await using var client = await new UnixSocketTransport().ConnectAsync(endpoint).Within();
        Assert.NotNull(await accept.Within());
    }

    [Fact]
    public async Task A_file_that_is_not_a_socket_is_left_alone()
    {
        var endpoint = At("precious.txt");
        await File.WriteAllTextAsync(endpoint.Address, "keep me");
        var error = await Assert.ThrowsAsync<EndpointInUseException>(() => new UnixSocketTransport().ListenAsync(endpoint).Within());
        Assert.Contains("not a socket", error.Message, StringComparison.Ordinal);
        Assert.Equal("keep me", await File.ReadAllTextAsync(endpoint.Address));
    }

    [Fact]
    public async Task A_path_over_the_socket_limit_is_a_clear_argument_error()
    {
        var endpoint = At(new string('x', 120) + ".sock");
        var error = await Assert.ThrowsAsync<ArgumentException>(() => new UnixSocketTransport().ListenAsync(endpoint).Within());
        Assert.Contains("107 bytes", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Connecting_where_nobody_listens_fails_typed_within_the_timeout()
    {
        var transport = new UnixSocketTransport(new() { ConnectTimeout = TimeSpan.FromMilliseconds(300) });
        await Assert.ThrowsAsync<EndpointNotFoundException>(() => transport.ConnectAsync(At("nobody.sock")).Within());
    }
}

public sealed class NamedPipeSpecificTests
{
    [Fact]
    public async Task A_live_pipe_of_the_same_name_is_never_taken_over()
    {
        var transport = new NamedPipeTransport();
        var endpoint = transport.CreateEphemeralEndpoint("/tmp");
        await using var first = await transport.ListenAsync(endpoint).Within();
        await Assert.ThrowsAsync<EndpointInUseException>(() => transport.ListenAsync(endpoint).Within());

        var accept = first.AcceptAsync().AsTask();
        await using var client = await transport.ConnectAsync(endpoint).Within();
        Assert.NotNull(await accept.Within());
    }

    [Fact]
    public async Task The_pipe_file_is_removed_with_the_listener_even_with_a_connection_open()
    {
        var transport = new NamedPipeTransport();
        var endpoint = transport.CreateEphemeralEndpoint("/tmp");
        string path = NamedPipeTransport.GetSocketPath(endpoint.Address);
        var listener = await transport.ListenAsync(endpoint).Within();
        Assert.True(File.Exists(path));
        var accept = listener.AcceptAsync().AsTask();
        await using var client = await transport.ConnectAsync(endpoint).Within();
        await using var server = (await accept.Within())!;

        await listener.DisposeAsync();
        Assert.False(File.Exists(path));
    }

    [Fact]
    public async Task A_pipe_left_by_a_killed_server_is_replaced()
    {
        var transport = new NamedPipeTransport();
        var endpoint = transport.CreateEphemeralEndpoint("/tmp");
        string path = NamedPipeTransport.GetSocketPath(endpoint.Address);
        await using (var crashed = PeerProcess.Start("listen", endpoint.ToString()))
        {
            await crashed.WaitForLineAsync("listening");
            await crashed.KillAsync();
        }

        Assert.True(File.Exists(path));
        await using (var listener = await transport.ListenAsync(endpoint).Within())
        {
            var accept = listener.AcceptAsync().AsTask();
            await using var client = await transport.ConnectAsync(endpoint).Within();
            Assert.NotNull(await accept.Within());
        }

        Assert.False(File.Exists(path));
    }

    [Fact]
    public async Task Connecting_to_a_pipe_nobody_serves_fails_typed_within_the_timeout()
    {
        var transport = new NamedPipeTransport(new() { ConnectTimeout = TimeSpan.FromMilliseconds(400) });
        await Assert.ThrowsAsync<EndpointNotFoundException>(() => transport.ConnectAsync(transport.CreateEphemeralEndpoint("/tmp")).Within());
    }
}

public sealed class TcpSpecificTests
{
    [Fact]
    public async Task Port_zero_binds_loopback_and_reports_the_real_port()
    {
        await using var listener = await new TcpTransport().ListenAsync(Endpoint.Parse("tcp://:0")).Within();
        var (host, port) = TcpTransport.SplitHostPort(listener.Endpoint);
        Assert.Equal("127.0.0.1", host);
        Assert.InRange(port, 1, 65535);
    }

    [Fact]
    public async Task A_port_in_use_is_reported_with_advice()
    {
        await using var first = await new TcpTransport().ListenAsync(Endpoint.Parse("tcp://127.0.0.1:0")).Within();
        var error = await Assert.ThrowsAsync<EndpointInUseException>(() => new TcpTransport().ListenAsync(first.Endpoint).Within());
        Assert.Contains("already in use", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Connecting_to_a_closed_port_fails_typed_within_the_timeout()
    {
        int port;
        using (var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            port = ((IPEndPoint)probe.LocalEndPoint!).Port;
        }

        var transport = new TcpTransport(new() { ConnectTimeout = TimeSpan.FromMilliseconds(300) });
        await Assert.ThrowsAsync<EndpointNotFoundException>(() => transport.ConnectAsync(Endpoint.Parse($"tcp://127.0.0.1:{port}")).Within());
    }

    [Theory]
    [InlineData("tcp://127.0.0.1")]
    [InlineData("tcp://127.0.0.1:99999")]
    [InlineData("tcp://[::1")]
    public async Task Endpoints_without_a_valid_port_are_argument_errors(string text) =>
        await Assert.ThrowsAsync<ArgumentException>(() => new TcpTransport().ListenAsync(Endpoint.Parse(text)).Within());
}

public sealed class RegistryTests
{
    [Fact]
    public void An_unknown_scheme_names_the_valid_ones()
    {
        var error = Assert.Throws<UnknownTransportException>(() => TransportRegistry.Default.Get("carrier-pigeon"));
        foreach (string scheme in new[] { "pipe", "anon-pipe", "unix", "tcp" })
        {
            Assert.Contains(scheme, error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Aliases_find_their_transport()
    {
        Assert.Equal("pipe", TransportRegistry.Default.Get("named-pipe").Scheme);
        Assert.Equal("anon-pipe", TransportRegistry.Default.Get("ANON-PIPE").Scheme);
    }
}

public sealed class AnonymousPipeSpecificTests
{
    [Fact]
    public async Task Both_pipes_get_the_buffer_size_asked_for_and_zero_keeps_the_kernel_default()
    {
        await using var sized = await new AnonymousPipes.AnonymousPipeTransport().ListenAsync(Endpoint.Parse("anon-pipe://")).Within();
        await using var plain = await new AnonymousPipes.AnonymousPipeTransport(new() { PipeBufferSize = 0 }).ListenAsync(Endpoint.Parse("anon-pipe://")).Within();
        foreach (string end in new[] { "read", "write" })
        {
            Assert.Equal(1 << 20, Internal.Libc.PipeSize(nint.Parse(sized.Endpoint.GetQueryValue(end)!, System.Globalization.CultureInfo.InvariantCulture)));
            Assert.Equal(64 << 10, Internal.Libc.PipeSize(nint.Parse(plain.Endpoint.GetQueryValue(end)!, System.Globalization.CultureInfo.InvariantCulture)));
        }

        Assert.Throws<ArgumentOutOfRangeException>(() => new AnonymousPipes.AnonymousPipeTransport(new() { PipeBufferSize = -1 }));
    }

    [Fact]
    public async Task The_blocking_calls_still_wait_for_data_and_room_after_async_calls_made_the_descriptors_non_blocking()
    {
        // The blocking calls are plain read/write on the descriptors; an async call lets the runtime make them
        // non-blocking, and then a blocking call must still wait (not fail with EAGAIN) for data, or for room in a full pipe.
        var transport = new AnonymousPipes.AnonymousPipeTransport();
        await using var listener = await transport.ListenAsync(Endpoint.Parse("anon-pipe://")).Within();
        var accept = listener.AcceptAsync().AsTask();
        await using var client = await transport.ConnectAsync(listener.Endpoint).Within();
        await using var server = (await accept.Within())!;

        await server.SendAsync(new byte[] { 1 }).Within();
        Assert.Equal(1, (await client.ReceiveAsync().Within())!.Value.Span[0]);
        var waiting = Task.Run(() => client.Receive()?.ToArray());
        await server.SendAsync(new byte[] { 2, 3 }).Within();
        Assert.Equal(new byte[] { 2, 3 }, await waiting.Within());

        await client.SendAsync(new byte[] { 4 }).Within();
        Assert.Equal(4, (await server.ReceiveAsync().Within())!.Value.Span[0]);
        byte[] large = new byte[3 << 20]; // three times the pipe's buffer: the writer must wait for room
        new Random(18).NextBytes(large);
        var sending = Task.Run(() => client.Send(large));
        Assert.Equal(large, (await server.ReceiveAsync().Within())!.Value.ToArray());
        await sending.Within();
    }
}
