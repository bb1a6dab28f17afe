namespace IpcKit.Transports.Tests;

/// <summary>
/// This side's abort or dispose racing a receive that is blocked in the kernel on another thread, for every transport.
/// Closing a socket wakes that read with end of stream about as often as with an error (TCP and Unix sockets, .NET 10),
/// and the receive must still say that this side closed the connection, never report the peer's clean end (null); an
/// in-process or shared-memory receive must be woken at all. Each test runs many rounds, so that a receive that gets it
/// wrong now and then fails the test every time.
/// </summary>
public abstract partial class TransportConformanceTests
{
    protected const int RaceRounds = 40;

    [Theory]
    [InlineData("aborted")]
    [InlineData("disposed")]
    public async Task A_receive_blocked_on_another_thread_fails_with_a_typed_error_every_time_this_side_stops_it(string how)
    {
        for (int round = 0; round < RaceRounds; round++)
        {
            var (server, client) = await ConnectPairAsync();
            var receive = BlockedReceive.Start(server);
            if (ReceiveSleepsInKernel)
            {
                await receive.InKernelAsync();
            }

            await Task.Run(how == "aborted" ? server.Abort : server.Dispose).Within();

            var error = await Assert.ThrowsAsync<ConnectionClosedException>(() => receive.Result);
            Assert.Contains($"{how} by this side", error.Message, StringComparison.Ordinal);
            Assert.True(server.Closed.IsCancellationRequested);
            await server.DisposeAsync();
            await client.DisposeAsync();
        }
    }
}

public abstract partial class ByteStreamConformanceTests
{
    [Fact]
    public async Task Abort_fails_a_pending_ReceiveAsync_with_a_typed_error_every_time()
    {
        for (int round = 0; round < RaceRounds; round++)
        {
            var (server, client) = await ConnectPairAsync();
            var receive = server.ReceiveAsync();
            Assert.False(receive.IsCompleted, "nothing was sent, so the receive must wait for its read");

            await Task.Run(server.Abort).Within();

            var error = await Assert.ThrowsAsync<ConnectionClosedException>(() => receive.Within());
            Assert.Contains("aborted by this side", error.Message, StringComparison.Ordinal);
            await server.DisposeAsync();
            await client.DisposeAsync();
        }
    }
}

public abstract partial class TransportConformanceTests
{
    /// <summary>Whether a receive with nothing to read sleeps in the kernel; a spinning ring receive never does, so the race tests cannot wait for it to.</summary>
    protected virtual bool ReceiveSleepsInKernel => true;
}

/// <summary>A blocking <see cref="IConnection.Receive"/> on a thread of its own, which the test can see blocked in the kernel.</summary>
internal sealed class BlockedReceive
{
    private readonly TaskCompletionSource<string> _statPath = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<ReadOnlyMemory<byte>?> _result = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private BlockedReceive()
    {
    }

    /// <summary>What the receive returned or threw, within the default deadline.</summary>
    public Task<ReadOnlyMemory<byte>?> Result => _result.Task.Within();

    public static BlockedReceive Start(IConnection connection)
    {
        var receive = new BlockedReceive();
        var thread = new Thread(() =>
        {
            // "/proc/thread-self" links to "<pid>/task/<tid>": this thread's entry, whose stat says whether it sleeps.
            receive._statPath.SetResult($"/proc/{new FileInfo("/proc/thread-self").LinkTarget}/stat");
            try
            {
                receive._result.SetResult(connection.Receive());
            }
            catch (Exception e)
            {
                receive._result.SetException(e);
            }
        })
        { IsBackground = true, Name = "blocked receive" };
        thread.Start();
        return receive;
    }

    /// <summary>
    /// Waits until the receiving thread sleeps in the kernel (state S in its stat): nothing was sent, so the read inside
    /// the receive is what it sleeps in. Polls, within the default deadline; fails if the receive ends first.
    /// </summary>
    public async Task InKernelAsync()
    {
        string statPath = await _statPath.Task.Within();
        using var deadline = new CancellationTokenSource(Deadline.Default);
        while (ThreadState(statPath) != 'S')
        {
            Assert.False(_result.Task.IsCompleted, "the receive ended before anything closed the connection");
            deadline.Token.ThrowIfCancellationRequested();
            await Task.Yield();
        }
    }

    /// <summary>The state letter of /proc/PID/task/TID/stat, which follows the parenthesized command name.</summary>
    private static char ThreadState(string statPath)
    {
        string stat = File.ReadAllText(statPath);
        return stat[stat.LastIndexOf(')') + 2];
    }
}
