using IpcKit.Coordinator.Results;
using IpcKit.Coordinator.Workloads;
using IpcKit.Protocol;
using IpcKit.Transports;

namespace IpcKit.Coordinator.Running;

/// <summary>
/// Runs a plan: for each transport and workload one worker process, and in it one case per message size. A failing
/// worker fails its own cases (with the reason) and the run goes on with the next transport.
/// </summary>
internal sealed class Orchestrator(BenchPlan plan, Action<string> progress)
{
    public async Task<IReadOnlyList<CaseResult>> RunAsync(CancellationToken cancellationToken)
    {
        using var scratch = ScratchSpace.Create();
        var results = new List<CaseResult>();
        foreach (var transport in plan.Transports)
        {
            foreach (var workload in plan.Workloads)
            {
                var sizes = workload.UsesMessageSize ? plan.Sizes : [RequestWorkload.NominalSize];
                await RunGroupAsync(transport, workload, sizes, scratch, results, cancellationToken);
            }
        }

        return results;
    }

    private async Task RunGroupAsync(
        ITransport transport, Workload workload, IReadOnlyList<int> sizes, ScratchSpace scratch, List<CaseResult> results, CancellationToken cancellationToken)
    {
        string name = transport.Scheme;
        progress(transport is IInProcessTransport ? $"{name}: starting a peer thread for {workload.Name}" : $"{name}: starting a worker for {workload.Name}");
        IPeerSession session;
        try
        {
            var configure = new ConfigureMessage(workload.WorkerRole, "", 0, 0, plan.Pin == PinMode.None ? -1 : plan.WorkerCpu);
            var endpoint = plan.EndpointFor(transport, scratch.Path);
            session = transport is IInProcessTransport
                ? await InProcessPeer.StartAsync(transport, endpoint, configure, cancellationToken)
                : await WorkerSession.StartAsync(transport, endpoint, configure, plan.Launcher, cancellationToken);
        }
        catch (WorkerFailedException e)
        {
            results.AddRange(sizes.Select(size => Failed(name, workload, size, e.Message)));
            return;
        }

        await using (session)
        {
            string? failure = null;
            foreach (int size in sizes)
            {
                if (failure is not null)
                {
                    results.Add(Failed(name, workload, size, $"Not run: an earlier case of this worker failed. {failure}"));
                    continue;
                }

                progress($"{name}: {workload.Name}, {Format.Size(size)}");
                var (result, error) = await RunCaseAsync(session, workload, size, cancellationToken);
                results.Add(result ?? Failed(name, workload, size, error!));
                failure = error;
            }
        }
    }

    private async Task<(CaseResult? Result, string? Error)> RunCaseAsync(IPeerSession session, Workload workload, int size, CancellationToken cancellationToken)
    {
        var coordinatorBefore = ProcessCounters.Read(Environment.ProcessId);
        // An in-process peer's costs are already in this process's counters.
        var workerBefore = session.WorkerPid is { } pid ? ProcessCounters.Read(pid) : default;
        int cpu = plan.Pin == PinMode.None ? -1 : plan.CoordinatorCpu;
        var run = PinnedThread.Run(cpu, () => workload.Run(session.Data, size, plan.Budget));

        var first = await Task.WhenAny(run, session.Exited, Task.Delay(plan.CaseTimeout, cancellationToken));
        if (first != run)
        {
            // Unblock the measuring thread, then explain what happened to the worker.
            session.Data.Abort();
            try
            {
                await run.WaitAsync(TimeSpan.FromSeconds(10), CancellationToken.None);
            }
            catch (Exception e) when (e is IpcException or TimeoutException or InvalidOperationException)
            {
            }

            cancellationToken.ThrowIfCancellationRequested();
            var failure = first == session.Exited
                ? await session.ExplainFailureAsync(new ConnectionClosedException("the worker process exited"))
                : await session.ExplainFailureAsync(new TimeoutException(), hung: $"the case did not finish within {plan.CaseTimeout.TotalSeconds:0} s");
            return (null, failure.Message);
        }

        CaseMeasurement m;
        try
        {
            m = await run;
        }
        catch (Exception e) when (e is IpcException or InvalidOperationException)
        {
            cancellationToken.ThrowIfCancellationRequested();
            return (null, (await session.ExplainFailureAsync(e)).Message);
        }

        var cpuUsage = new CpuUsage(
            ProcessCpu.From(ProcessCounters.Read(Environment.ProcessId).Since(coordinatorBefore)),
            ProcessCpu.From(session.WorkerPid is { } workerPid ? ProcessCounters.Read(workerPid).Since(workerBefore) : default));
        return (new CaseResult
        {
            Transport = session.Transport,
            Workload = workload.Name,
            MessageSize = size,
            Operations = m.Operations,
            Pin = PinLabel(),
            Latency = LatencyStats.FromSamples(m.SamplesNs, m.SampleCount),
            MessagesPerSecond = m.ElapsedSeconds > 0 ? m.Operations / m.ElapsedSeconds : 0,
            BytesPerSecond = m.ElapsedSeconds > 0 ? m.Bytes / m.ElapsedSeconds : 0,
            Integrity = new Integrity(m.Sent, m.Received, m.Lost, m.Corrupted),
            Cpu = cpuUsage,
            ElapsedSeconds = m.ElapsedSeconds,
        }, null);
    }

    private string PinLabel() => plan.Pin.ToString().ToLowerInvariant();

    private CaseResult Failed(string transport, Workload workload, int size, string error) => new()
    {
        Transport = transport,
        Workload = workload.Name,
        MessageSize = size,
        Operations = 0,
        Pin = PinLabel(),
        Integrity = new Integrity(0, 0, 0, 0),
        Error = error,
    };
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
