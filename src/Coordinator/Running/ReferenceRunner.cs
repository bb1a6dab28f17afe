using IpcKit.Coordinator.Results;

namespace IpcKit.Coordinator.Running;

/// <summary>
/// `--reference native`: after the IpcKit cases, measures each one's native C twin — the same OS mechanism without
/// .NET — with the same workload, size, operation count and pinning, in the same run, and adds its figures and the
/// ratio to each result. Transports that share a twin (pipe and unix both ride on a Unix socket) share one native
/// measurement per workload and size.
/// </summary>
internal sealed class ReferenceRunner(BenchPlan plan, Action<string> progress)
{
    /// <summary>
    /// The native mechanism that does what an IpcKit transport does, or null when it has no twin. For the shared-memory
    /// ring the twin depends on how it waits (--wait): spin is shm-spin; backoff (the default) is the futex ring, which
    /// also spins a little before it sleeps; block is the futex ring with no spinning (futex-block).
    /// </summary>
    public static string? TwinOf(string transport, string? wait) => transport.ToLowerInvariant() switch
    {
        "anon-pipe" => "pipe",   // two pipe(2)s, one per direction
        "pipe" => "unix",        // .NET's named pipes are Unix domain sockets on Linux
        "unix" => "unix",
        "tcp" => "tcp",
        "mmf" or "shm" => wait switch { "spin" => "shm-spin", "block" => "futex-block", _ => "futex" },
        _ => null,
    };

    /// <summary>ipckit-native measures the latency and throughput workloads; request has no twin.</summary>
    private bool HasTwin(CaseResult r) => r.Workload is "latency" or "throughput" && !r.Failed && TwinOf(r.Transport, plan.Wait) is not null;

    /// <summary>The progress lines this runner will print for a plan's cases, for a progress display to count.</summary>
    public static int CountCases(BenchPlan plan) =>
        (plan.Transports.Select(t => TwinOf(t.Scheme, plan.Wait)).OfType<string>().Distinct().Count()
         * plan.Workloads.Count(w => w.Name is "latency" or "throughput") * plan.Sizes.Count)
        + (plan.Transports.Any(t => RingTransports.Contains(t.Scheme)) && plan.Workloads.Any(w => w.Name == "throughput") ? plan.Sizes.Count : 0);

    public async Task<(IReadOnlyList<CaseResult> Results, ReferenceRun Run)> AddAsync(IReadOnlyList<CaseResult> results, CancellationToken cancellationToken)
    {
        var withTwin = results.Where(HasTwin).ToList();
        var ringStreams = results.Where(r => RingTransports.Contains(r.Transport) && r.Workload == "throughput" && !r.Failed).ToList();
        string? untwinned = Untwinned(results);
        if (withTwin.Count == 0 && ringStreams.Count == 0)
        {
            return (results, new ReferenceRun { Kind = "native", Available = true, Note = untwinned ?? "No case of this run has a native twin." });
        }

        progress("native: building the C reference (scripts/native/build.sh) if needed");
        var (tool, problem) = await NativeTool.LocateAsync(cancellationToken);
        if (tool is null)
        {
            progress($"native: the reference is missing — {problem}; going on without it");
            return (results, new ReferenceRun { Kind = "native", Available = false, Note = problem });
        }

        var measured = new Dictionary<(string, string, int), NativeFigures>();
        foreach (var group in withTwin.GroupBy(r => (Mechanism: TwinOf(r.Transport, plan.Wait)!, r.Workload, r.MessageSize)))
        {
            var (mechanism, workload, size) = group.Key;
            progress($"native: {mechanism} {workload}, {Format.Size(size)}");
            var nativeCase = new NativeCase(mechanism, workload, size, IterationsFor(group), plan.Pin, plan.CoordinatorCpu, plan.WorkerCpu)
            {
                Capacity = plan.RingCapacity,
                ZeroCopy = plan.ZeroCopy && workload == "throughput",
                // anon-pipe enlarges its pipes; its twin does the same, so that the two still drive one mechanism alike.
                PipeSize = mechanism == "pipe" ? new IpcKit.Transports.AnonymousPipes.AnonymousPipeTransportOptions().PipeBufferSize : null,
            };
            measured[group.Key] = await tool.MeasureAsync(nativeCase, plan.CaseTimeout, cancellationToken);
        }

        var updated = results.Select(r => HasTwin(r) && measured.TryGetValue((TwinOf(r.Transport, plan.Wait)!, r.Workload, r.MessageSize), out var n)
            ? r with { Reference = n with { Ratio = n.Error is null ? NativeFigures.RatioOf(r, n.P50Ns, n.MessagesPerSecond) : null } }
            : r).ToList();
        var memcpy = await MeasureMemcpyAsync(tool, ringStreams, cancellationToken);
        return (updated, new ReferenceRun { Kind = "native", Available = true, Note = untwinned, Memcpy = memcpy });
    }

    /// <summary>memcpy at each size the ring transports streamed, with source and destination warm in cache (one slot each).</summary>
    private async Task<IReadOnlyList<MemcpyFigure>?> MeasureMemcpyAsync(NativeTool tool, List<CaseResult> ringStreams, CancellationToken cancellationToken)
    {
        if (ringStreams.Count == 0)
        {
            return null;
        }

        var figures = new List<MemcpyFigure>();
        foreach (var group in ringStreams.GroupBy(r => r.MessageSize).OrderBy(g => g.Key))
        {
            int size = group.Key;
            progress($"native: memcpy, {Format.Size(size)} (cache-warm)");
            var memcpyCase = new NativeCase("memcpy", "throughput", size, IterationsFor(group), plan.Pin, plan.CoordinatorCpu, plan.WorkerCpu)
            {
                Pool = Math.Max(4096, 2L * size),
            };
            var n = await tool.MeasureAsync(memcpyCase, plan.CaseTimeout, cancellationToken);
            if (n.Error is null && n.BytesPerSecond > 0)
            {
                figures.Add(new MemcpyFigure(size, n.BytesPerSecond));
            }
        }

        return figures;
    }

    /// <summary>As many operations as the IpcKit cases did (or --iterations), within what ipckit-native accepts.</summary>
    private long IterationsFor(IEnumerable<CaseResult> cases) =>
        Math.Min(plan.Budget.Iterations ?? Math.Max(100, cases.Max(r => r.Operations)), 1_000_000_000);

    private string? Untwinned(IReadOnlyList<CaseResult> results)
    {
        var without = results.Where(r => !r.Failed && !HasTwin(r)).Select(r => r.Workload == "request" ? $"{r.Transport} request" : r.Transport).Distinct().ToList();
        return without.Count == 0 ? null : $"No native twin for: {string.Join(", ", without)}.";
    }
}
