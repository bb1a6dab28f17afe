using System.Net;
using System.Net.Sockets;
using IpcKit.Protocol.Samples;

namespace IpcKit.Peers.Tests;

/// <summary>Every peer, end to end: the real worker process serving, the real client calling.</summary>
public sealed class PeerTests
{
    public static TheoryData<string> Peers() => [.. PeerKind.All.Select(p => p.Name)];

    public static TheoryData<string> SocketPeers() => [.. PeerKind.All.Where(p => p.Addressing == PeerAddressing.UnixSocket).Select(p => p.Name)];

    [Theory]
    [MemberData(nameof(Peers))]
    public async Task A_peer_answers_every_order_with_its_own_receipt_and_leaves_nothing_behind(string name)
    {
        var peer = Get(name);
        var (worker, address) = await PeerWorkerProcess.StartReadyAsync(peer);
        await using (worker)
        {
            using (var client = await OrderClients.ConnectAsync(peer, address, CancellationToken.None))
            {
                var placing = Task.Run(() =>
                {
                    for (int i = 0; i < 200; i++)
                    {
                        var order = Order.Sample(i % 64) with { Id = 10_000 + i };
                        Assert.Equal(OrderReceipt.For(order), client.Place(order));
                    }
                });
                await placing.WaitAsync(PeerWorkerProcess.Deadline);
            }

            Assert.Equal(0, await worker.CloseAndWaitAsync());
            Assert.Empty(Directory.EnumerateFileSystemEntries(worker.Directory));
        }
    }

    [Theory]
    [MemberData(nameof(SocketPeers))]
    public async Task A_peer_socket_is_open_to_its_user_only(string name)
    {
        var (worker, address) = await PeerWorkerProcess.StartReadyAsync(Get(name));
        await using (worker)
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(address));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(worker.Directory));
        }
    }

    [Theory]
    [MemberData(nameof(SocketPeers))]
    public async Task A_peer_refuses_a_socket_in_a_directory_others_can_enter(string name)
    {
        string directory = PeerWorkerProcess.NewPrivateDirectory();
        File.SetUnixFileMode(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.OtherExecute);
        await using var worker = PeerWorkerProcess.Start(directory, name, Path.Combine(directory, "x.sock"));
        await worker.Process.WaitForExitAsync().WaitAsync(PeerWorkerProcess.Deadline);
        Assert.Equal(2, worker.Process.ExitCode);
        Assert.Contains("private directory", worker.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(directory, "x.sock")));
    }

    [Theory]
    [MemberData(nameof(SocketPeers))]
    public async Task A_peer_never_replaces_a_file_it_did_not_make(string name)
    {
        string directory = PeerWorkerProcess.NewPrivateDirectory();
        string path = Path.Combine(directory, "taken.sock");
        await File.WriteAllTextAsync(path, "someone else's");
        await using var worker = PeerWorkerProcess.Start(directory, name, path);
        await worker.Process.WaitForExitAsync().WaitAsync(PeerWorkerProcess.Deadline);
        Assert.Equal(2, worker.Process.ExitCode);
        Assert.Equal("someone else's", await File.ReadAllTextAsync(path));
    }

    [Theory]
    [InlineData("grpc-tcp")]
    [InlineData("netmq-tcp")]
    public async Task A_loopback_peer_binds_only_127_0_0_1(string name)
    {
        string directory = PeerWorkerProcess.NewPrivateDirectory();
        await using var worker = PeerWorkerProcess.Start(directory, name, "0.0.0.0:0");
        await worker.Process.WaitForExitAsync().WaitAsync(PeerWorkerProcess.Deadline);
        Assert.Equal(2, worker.Process.ExitCode);
        Assert.Contains("127.0.0.1:0", worker.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Peers))]
    public async Task A_call_to_a_dead_peer_fails_with_a_typed_error_once_aborted(string name)
    {
        var peer = Get(name);
        var (worker, address) = await PeerWorkerProcess.StartReadyAsync(peer);
        await using (worker)
        {
            using var client = await OrderClients.ConnectAsync(peer, address, CancellationToken.None);
            worker.Process.Kill();
            await worker.Process.WaitForExitAsync().WaitAsync(PeerWorkerProcess.Deadline);

            // As the coordinator does when it sees the worker exit: abort whatever call is waiting.
            var call = Task.Run(() => client.Place(Order.Sample(1)));
            client.Abort();
            await Assert.ThrowsAsync<PeerCallException>(() => call.WaitAsync(PeerWorkerProcess.Deadline));
        }
    }

    [Theory]
    [MemberData(nameof(Peers))]
    public async Task A_peer_server_survives_a_client_that_sends_garbage_and_vanishes(string name)
    {
        var peer = Get(name);
        var (worker, address) = await PeerWorkerProcess.StartReadyAsync(peer);
        await using (worker)
        {
            using (var rude = peer.Addressing == PeerAddressing.UnixSocket
                       ? new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified)
                       : new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
            {
                EndPoint endpoint = peer.Addressing == PeerAddressing.UnixSocket ? new UnixDomainSocketEndPoint(address) : IPEndPoint.Parse(address);
                await rude.ConnectAsync(endpoint).WaitAsync(PeerWorkerProcess.Deadline);
                byte[] garbage = new byte[4096];
                new Random(19).NextBytes(garbage);
                await rude.SendAsync(garbage).WaitAsync(PeerWorkerProcess.Deadline);
            }

            using var client = await OrderClients.ConnectAsync(peer, address, CancellationToken.None);
            var order = Order.Sample(7) with { Id = 77 };
            Assert.Equal(OrderReceipt.For(order), await Task.Run(() => client.Place(order)).WaitAsync(PeerWorkerProcess.Deadline));
            Assert.False(worker.Process.HasExited);
        }
    }

    [Fact]
    public async Task A_peer_worker_reports_its_whole_process_counters_which_never_drop()
    {
        var peer = PeerKind.GrpcUds;
        var (worker, address) = await PeerWorkerProcess.StartReadyAsync(peer);
        await using (worker)
        {
            async Task<IpcKit.Protocol.ProcessCounters> ReadAsync()
            {
                await worker.Process.StandardInput.WriteLineAsync(PeerWorkerProtocol.CountersRequest);
                await worker.Process.StandardInput.FlushAsync();
                string line = await worker.ReadLineAsync();
                return PeerWorkerProtocol.ParseCounters(line) ?? throw new InvalidOperationException($"not counters: {line}");
            }

            var before = await ReadAsync();
            using (var client = await OrderClients.ConnectAsync(peer, address, CancellationToken.None))
            {
                await Task.Run(() =>
                {
                    for (int i = 0; i < 100; i++)
                    {
                        client.Place(Order.Sample(i % 64));
                    }
                }).WaitAsync(PeerWorkerProcess.Deadline);
            }

            var after = await ReadAsync();
            var spent = after.Since(before);
            Assert.True(spent.UserNs + spent.SystemNs > 0, "serving 100 calls took no CPU time");
            Assert.True(spent.Voluntary >= 0 && spent.Involuntary >= 0 && spent.UserNs >= 0 && spent.SystemNs >= 0);
            Assert.Null(PeerWorkerProtocol.ParseCounters("counters 1 2 x 4"));
        }
    }

    [Fact]
    public async Task Connecting_to_nothing_fails_with_a_typed_error()
    {
        string directory = PeerWorkerProcess.NewPrivateDirectory();
        try
        {
            await Assert.ThrowsAsync<PeerCallException>(
                () => OrderClients.ConnectAsync(PeerKind.JsonRpcUds, Path.Combine(directory, "none.sock"), CancellationToken.None).WaitAsync(PeerWorkerProcess.Deadline));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static PeerKind Get(string name) => PeerKind.TryGet(name, out var peer) ? peer : throw new ArgumentException(name);
}
