using System.Globalization;
using System.Text;
using IpcKit.Peers;
using IpcKit.Protocol;
using IpcKit.Transports;

namespace IpcKit.Coordinator.Running;

/// <summary>
/// A framework peer's worker (IpcKit.Peers.Worker, from peers/ beside this program) and the framework's client
/// connected to it. The worker serves until its stdin closes, so it cannot outlive this process; disposing closes the
/// client and the worker's stdin, waits for it to exit, and kills it if it does not.
/// </summary>
internal sealed class PeerSession : IPeerSession
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(10);

    private readonly RunningChild _child;
    private readonly StreamReader _stdout;
    private readonly StreamWriter _stdin;
    private readonly CancellationToken _interrupted;
    private int _disposed;

    private PeerSession(PeerKind peer, RunningChild child, StreamReader stdout, IOrderClient client, Endpoint endpoint, CancellationToken interrupted)
    {
        _interrupted = interrupted;
        Peer = peer;
        _child = child;
        _stdout = stdout;
        _stdin = new StreamWriter(child.StandardInput, new UTF8Encoding(false)) { AutoFlush = true, NewLine = "\n" };
        Client = client;
        Data = new PeerCallConnection(client, endpoint);
    }

    public PeerKind Peer { get; }

    public string Transport => Peer.Name;

    /// <summary>The framework's client, connected and proven by one call.</summary>
    public IOrderClient Client { get; }

    /// <summary>The call channel as the runner sees it: aborting it fails the call in progress; it carries no frames.</summary>
    public IConnection Data { get; }

    public int? WorkerPid => _child.Id;

    public Task<int> Exited => _child.Exited;

    /// <summary>The peer worker beside this program.</summary>
    internal static ChildCommand PeerWorkerCommand() => WorkerSession.CommandFor(Path.Combine(AppContext.BaseDirectory, "peers"), "IpcKit.Peers.Worker");

    /// <summary>Starts the peer's worker at a fresh address in <paramref name="scratchDirectory"/> and connects its client.</summary>
    /// <param name="cpu">The CPU to pin the whole worker to, or -1.</param>
    public static async Task<PeerSession> StartAsync(PeerKind peer, string scratchDirectory, int cpu, CancellationToken cancellationToken)
    {
        RunningChild? child = null;
        try
        {
            var command = PeerWorkerCommand();
            // After the program's own arguments: without an apphost (an installed tool) the first is the worker's dll.
            child = command
                .WithArguments([.. command.Arguments, peer.Name, peer.EphemeralAddress(scratchDirectory), cpu.ToString(CultureInfo.InvariantCulture)])
                .WithEnvironment("DOTNET_gcServer", "0")
                .WithSteadyJit()
                .Start();
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(StartTimeout);
            string? line;
            var stdout = new StreamReader(child.StandardOutput, Encoding.UTF8);
            try
            {
                // The worker's stdout first carries "ready ADDRESS"; anything else, or its end, is a failed start.
                line = await stdout.ReadLineAsync(deadline.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new WorkerFailedException($"The {peer.Name} worker did not start within {StartTimeout.TotalSeconds:0} s.{await WorkerSession.StderrOf(child)}");
            }

            if (line is null || !line.StartsWith("ready ", StringComparison.Ordinal))
            {
                string exit = child.Exited.IsCompleted ? $" and exited with code {await child.Exited}{WorkerSession.SignalName(await child.Exited)}" : "";
                throw new WorkerFailedException(
                    $"The {peer.Name} worker failed to start: it said {(line is null ? "nothing" : $"'{line}'")}{exit}.{await WorkerSession.StderrOf(child)}");
            }

            string address = line["ready ".Length..];
            IOrderClient client;
            try
            {
                client = await OrderClients.ConnectAsync(peer, address, cancellationToken);
            }
            catch (PeerCallException e)
            {
                throw new WorkerFailedException($"The {peer.Name} client could not reach its worker: {e.Message}{await WorkerSession.StderrOf(child)}", e);
            }

            return new PeerSession(peer, child, stdout, client, Endpoint.Create(peer.Name, address), cancellationToken);
        }
        catch
        {
            if (child is not null)
            {
                await child.DisposeAsync();
            }

            throw;
        }
    }

    /// <summary>
    /// The peer worker's whole-process counters now: it answers "counters" on its stdin with getrusage's figures on its
    /// stdout (exited threads included; a framework's threads come and go). Blocks the calling thread, 10 s at most.
    /// </summary>
    public ProcessCounters? ReadCounters()
    {
        _stdin.WriteLine(PeerWorkerProtocol.CountersRequest);
        using var deadline = new CancellationTokenSource(ExitTimeout);
        string line = _stdout.ReadLineAsync(deadline.Token).AsTask().GetAwaiter().GetResult()
                      ?? throw new ConnectionClosedException($"The {Transport} worker closed its stdout.");
        return PeerWorkerProtocol.ParseCounters(line)
               ?? throw new ProtocolViolationException($"The {Transport} worker answered '{line}' to a counters request.");
    }

    public Task<WorkerFailedException> ExplainFailureAsync(Exception failure, string? hung = null) =>
        WorkerSession.ExplainAsync(_child, $"The {Transport} worker", $"The {Transport} call", $"The {Transport} call", failure, hung);

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        try
        {
            Client.Dispose();
            // End of file on its stdin tells the worker to stop its server, remove its socket and exit. After Ctrl+C or
            // SIGTERM nobody waits for that: the worker is killed at once (below), as WorkerSession does.
            _stdin.Dispose();
            if (!_interrupted.IsCancellationRequested)
            {
                await _child.Exited.WaitAsync(ExitTimeout);
            }
        }
        catch (Exception e) when (e is TimeoutException or IOException)
        {
        }
        finally
        {
            await _child.DisposeAsync(); // kills it if it is still there
            _stdout.Dispose();
        }
    }
}
