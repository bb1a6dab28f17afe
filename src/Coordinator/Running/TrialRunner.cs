using HdrHistogram;
using IpcKit.Coordinator.Planning;
using IpcKit.Coordinator.Results;
using IpcKit.Coordinator.Statistics;
using IpcKit.Coordinator.Workloads;
using IpcKit.Peers;
using IpcKit.Protocol;
using IpcKit.Transports;

namespace IpcKit.Coordinator.Running;

/// <summary>
/// Runs one trial of one case on a peer: the workload on a (pinned) measuring thread, both processes' CPU counters read
/// just before and just after its timed part, the case timeout, and a failure turned into what happened to the peer.
/// </summary>
internal sealed class TrialRunner(BenchPlan plan)
{
    /// <summary>Reused by every trial (reset before each), so that the measuring thread never allocates one.</summary>
    private readonly HistogramBase _histogram = Percentiles.CreateHistogram();

    /// <summary>One per connection of a --workers case, reused the same way (grown between trials, never while measuring).</summary>
    private readonly List<HistogramBase> _connectionHistograms = [];

    public async Task<(TrialResult? Result, string? Error)> RunAsync(
        IPeerSession session, PlannedCase c, int trial, CaseTrials into, TimeSpan warmupMinimum, CancellationToken cancellationToken)
    {
        _histogram.Reset();
        var connections = session is PeerSet set ? set.Connections : [session.Data];
        while (_connectionHistograms.Count < connections.Count)
        {
            _connectionHistograms.Add(Percentiles.CreateHistogram());
        }

        foreach (var h in _connectionHistograms)
        {
            h.Reset();
        }

        ProcessCounters selfBefore = default, selfAfter = default;
        ProcessCounters? peerBefore = null, peerAfter = null;
        var context = new TrialContext
        {
            Data = session.Data,
            Peer = (session as PeerSession)?.Client,
            Size = c.Size,
            Budget = plan.TrialBudget,
            WarmupMinimum = warmupMinimum,
            Histogram = _histogram,
            Connections = connections,
            ConnectionHistograms = _connectionHistograms,
            MeasureStarting = () =>
            {
                peerBefore = session.ReadCounters();
                selfBefore = ProcessCounters.Self();
            },
            MeasureEnded = () =>
            {
                selfAfter = ProcessCounters.Self();
                peerAfter = session.ReadCounters();
            },
        };

        // A --workers case runs unpinned, like its peers: the scheduler shares the CPUs among them.
        int cpu = plan.Pin == PinMode.None || c.Workers is not null ? -1 : plan.CoordinatorCpu;
        var run = PinnedThread.Run(cpu, () =>
            c.Workers is not null ? ManyWorkers.Run(c, context)
            : c.OfferedRate is { } rate ? OpenLoop.Run(rate, context)
            : c.Workload.Run(context));
        var first = await Task.WhenAny(run, session.Exited, Task.Delay(plan.CaseTimeout, cancellationToken));
        if (first != run)
        {
            // Unblock the measuring thread(s), then explain what happened to the worker.
            foreach (var connection in connections)
            {
                connection.Abort();
            }

            try
            {
                await run.WaitAsync(TimeSpan.FromSeconds(10), CancellationToken.None);
            }
            catch (Exception e) when (e is IpcException or TimeoutException or InvalidOperationException or OperationCanceledException or PeerCallException)
            {
            }

            cancellationToken.ThrowIfCancellationRequested();
            var failure = first == session.Exited
                ? await session.ExplainFailureAsync(new ConnectionClosedException("the worker process exited"))
                : await session.ExplainFailureAsync(new TimeoutException(), hung: $"the case did not finish within {plan.CaseTimeout.TotalSeconds:0} s");
            return (null, failure.Message);
        }

        TrialMeasurement m;
        try
        {
            m = await run;
        }
        catch (Exception e) when (e is IpcException or InvalidOperationException or OperationCanceledException or PeerCallException)
        {
            cancellationToken.ThrowIfCancellationRequested();
            return (null, (await session.ExplainFailureAsync(e)).Message);
        }

        var peerSpent = peerBefore is { } pb && peerAfter is { } pa ? pa.Since(pb) : default;
        var result = new TrialResult
        {
            Trial = trial,
            Operations = m.Operations,
            ElapsedSeconds = m.ElapsedSeconds,
            WarmupSeconds = m.Warmup.Seconds,
            WarmupSettled = m.Warmup.Settled,
            Latency = Percentiles.Of(_histogram),
            MessagesPerSecond = m.ElapsedSeconds > 0 ? m.Operations / m.ElapsedSeconds : 0,
            BytesPerSecond = m.ElapsedSeconds > 0 ? m.Bytes / m.ElapsedSeconds : 0,
            Integrity = new Integrity(m.Sent, m.Received, m.Lost, m.Corrupted),
            Cpu = new CpuUsage(ProcessCpu.From(selfAfter.Since(selfBefore)), ProcessCpu.From(peerSpent)),
            CodecNs = m.CodecNs,
        };
        if (m.PerConnection is { } perConnection)
        {
            for (int k = 0; k < perConnection.Count; k++)
            {
                _histogram.Add(_connectionHistograms[k]);
            }

            result = result with
            {
                Latency = Percentiles.Of(_histogram),
                Connections = [.. perConnection.Select((ops, k) => new ConnectionResult(k + 1, ops, m.ElapsedSeconds > 0 ? ops / m.ElapsedSeconds : 0, Percentiles.Of(_connectionHistograms[k])))],
            };
            into.AddConnections(_connectionHistograms.Take(perConnection.Count));
        }

        into.Add(result, _histogram);
        return (result, null);
    }
}

/// <summary>Runs a function on a new thread pinned to a CPU (or unpinned for -1), as a task.</summary>
internal static class PinnedThread
{
    public static Task<T> Run<T>(int cpu, Func<T> body)
    {
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                if (cpu >= 0)
                {
                    Affinity.PinCurrentThread(cpu);
                }

                done.SetResult(body());
            }
            catch (Exception e)
            {
                done.SetException(e);
            }
        })
        { IsBackground = true, Name = "ipckit-measure" };
        thread.Start();
        return done.Task;
    }
}
