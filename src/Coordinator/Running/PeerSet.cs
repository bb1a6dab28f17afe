using IpcKit.Coordinator.Planning;
using IpcKit.Protocol;
using IpcKit.Transports;

namespace IpcKit.Coordinator.Running;

/// <summary>
/// The N peers of a --workers case (issue 15), seen by the trial runner as one: worker processes (or threads, for the
/// in-process transports), each with a data connection of its own, started through the plan's launcher (on this machine,
/// or on another host with --remote). Pairs give each peer a listener of its own; fan-in and fan-out have every peer
/// connect to one listener, as clients of one server do, except with --remote: there each worker gets a cookie
/// listener of its own, exactly as a single remote worker does (docs/remote.md), so a port open to the link admits one
/// worker and closes. Peers start one at a time (so each accept is the peer just started, and inherited pipe handles go
/// to one child only); their CPU counters are summed.
/// </summary>
internal sealed class PeerSet : IPeerSession
{
    /// <summary>How long a failure's explanation waits for a dead peer to be reaped.</summary>
    private static readonly TimeSpan ExitGrace = TimeSpan.FromSeconds(2);

    private readonly IReadOnlyList<IPeerSession> _peers;
    private readonly IListener? _shared;

    private PeerSet(IReadOnlyList<IPeerSession> peers, IListener? shared)
    {
        _peers = peers;
        _shared = shared;
        Connections = [.. peers.Select(p => p.Data)];
        Exited = Task.WhenAny(peers.Select(p => p.Exited)).Unwrap();
    }

    public string Transport => _peers[0].Transport;

    public IConnection Data => _peers[0].Data;

    /// <summary>Every peer's data connection, in the order the peers started.</summary>
    public IReadOnlyList<IConnection> Connections { get; }

    public int? WorkerPid => _peers[0].WorkerPid;

    /// <summary>Completes when any peer stops on its own.</summary>
    public Task<int> Exited { get; }

    public static async Task<PeerSet> StartAsync(PlannedCase c, BenchPlan plan, string scratch, CancellationToken cancellationToken)
    {
        // Unpinned: N peers on 2 CPUs is the point, and the scheduler shares the CPUs among them.
        var configure = new ConfigureMessage(c.PeerRole, "", 0, 0, -1);
        var launcher = plan.Launcher;
        var peers = new List<IPeerSession>();
        IListener? shared = null;
        try
        {
            if (c.Shape != WorkerShape.Pairs && !launcher.IsRemote)
            {
                try
                {
                    shared = await c.Transport.ListenAsync(plan.EndpointFor(c.Transport, scratch), cancellationToken);
                }
                catch (IpcException e)
                {
                    throw new WorkerFailedException($"The {c.Scheme} transport could not listen: {e.Message}", e);
                }
            }

            for (int i = 0; i < c.PeerCount; i++)
            {
                peers.Add(shared is not null
                    ? c.InProcess
                        ? await InProcessPeer.StartOnAsync(c.Transport, shared, configure, cancellationToken)
                        : await WorkerSession.StartOnAsync(c.Transport, shared, configure, cancellationToken)
                    : c.InProcess
                        ? await InProcessPeer.StartAsync(c.Transport, plan.EndpointFor(c.Transport, scratch), configure, cancellationToken)
                        : await WorkerSession.StartAsync(c.Transport, plan.EndpointFor(c.Transport, scratch), configure, launcher, cancellationToken));
            }

            return new PeerSet(peers, shared);
        }
        catch
        {
            await DisposeAllAsync(peers, shared);
            throw;
        }
    }

    /// <summary>The peers' counters summed; null when a peer is a thread of this process (its costs are in ours).</summary>
    public ProcessCounters? ReadCounters()
    {
        ProcessCounters sum = default;
        foreach (var peer in _peers)
        {
            if (peer.ReadCounters() is not { } c)
            {
                return null;
            }

            sum = new ProcessCounters(sum.UserNs + c.UserNs, sum.SystemNs + c.SystemNs, sum.Voluntary + c.Voluntary, sum.Involuntary + c.Involuntary);
        }

        return sum;
    }

    /// <summary>Explains the failure through the peer that stopped, or else the first.</summary>
    public async Task<WorkerFailedException> ExplainFailureAsync(Exception failure, string? hung = null)
    {
        if (hung is null)
        {
            // A peer that died is reaped a moment after its connection fails: the failure would be laid at a live peer's
            // door ("the transport failed") unless the dead one has that moment, as a single worker has (WorkerSession).
            await Task.WhenAny(Task.WhenAny(_peers.Select(p => p.Exited)), Task.Delay(ExitGrace));
        }

        return await (_peers.FirstOrDefault(p => p.Exited.IsCompleted) ?? _peers[0]).ExplainFailureAsync(failure, hung);
    }

    public ValueTask DisposeAsync() => new(DisposeAllAsync(_peers, _shared));

    private static async Task DisposeAllAsync(IReadOnlyList<IPeerSession> peers, IListener? shared)
    {
        // Together: each waits for its own peer's report, and N of them one after another would add up.
        await Task.WhenAll(peers.Select(p => p.DisposeAsync().AsTask()));
        if (shared is not null)
        {
            await shared.DisposeAsync();
        }
    }
}
