using System.Globalization;
using System.Text;
using IpcKit.Peers;
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
    private int _disposed;

    private PeerSession(PeerKind peer, RunningChild child, IOrderClient client)
    {
        Peer = peer;
        _child = child;
        Client = client;
    }

    public PeerKind Peer { get; }

    public string Transport => Peer.Name;

    /// <summary>The framework's client, connected and proven by one call.</summary>
    public IOrderClient Client { get; }

    /// <summary>A peer has no IpcKit connection: the request workload drives <see cref="Client"/> instead.</summary>
    IConnection IPeerSession.Data => throw new NotSupportedException($"{Transport} is a framework peer: drive its Client, not a data connection.");

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
                .Start();
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(StartTimeout);
            string? line;
            try
            {
                // The worker's stdout carries one line, "ready ADDRESS"; anything else, or its end, is a failed start.
                using var stdout = new StreamReader(child.StandardOutput, Encoding.UTF8, leaveOpen: true);
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

            IOrderClient client;
            try
            {
                client = await OrderClients.ConnectAsync(peer, line["ready ".Length..], cancellationToken);
            }
            catch (PeerCallException e)
            {
                throw new WorkerFailedException($"The {peer.Name} client could not reach its worker: {e.Message}{await WorkerSession.StderrOf(child)}", e);
            }

            return new PeerSession(peer, child, client);
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

    /// <summary>Fails the call in progress (the measuring thread is blocked in it) and every later one.</summary>
    public void Abort() => Client.Abort();

    public Task<WorkerFailedException> ExplainFailureAsync(Exception failure, string? hung = null) =>
        WorkerSession.ExplainAsync(_child, $"The {Transport} worker", $"The {Transport} call", failure, hung);

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        try
        {
            Client.Dispose();
            // End of file on its stdin tells the worker to stop its server, remove its socket and exit.
            _child.StandardInput.Close();
            await _child.Exited.WaitAsync(ExitTimeout);
        }
        catch (Exception e) when (e is TimeoutException or IOException)
        {
        }
        finally
        {
            await _child.DisposeAsync(); // kills it if it is still there
        }
    }
}
