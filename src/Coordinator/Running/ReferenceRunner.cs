using IpcKit.Coordinator.Planning;
using IpcKit.Coordinator.Results;
using IpcKit.Coordinator.Statistics;

namespace IpcKit.Coordinator.Running;

/// <summary>
/// `--reference native`: runs the native C twin of a case (the same OS mechanism without .NET: scripts/native) right
/// after each of its trials, with the same workload, size, operation count and placement, so that each IpcKit trial has
/// a twin trial taken under the same load; and memcpy once at the sizes the ring transports streamed.
/// </summary>
internal sealed class ReferenceRunner(BenchPlan plan, NativeTool tool)
{
    /// <summary>Finds (building if needed) ipckit-native; null with the reason when it cannot be had.</summary>
    public static async Task<(ReferenceRunner? Runner, string? Problem)> StartAsync(BenchPlan plan, IProgress<RunEvent> progress, CancellationToken cancellationToken)
    {
        progress.Report(new RunNote("native: building the C reference (scripts/native/build.sh) if needed"));
        var (tool, problem) = await NativeTool.LocateAsync(cancellationToken);
        if (tool is null)
        {
            progress.Report(new RunNote($"native: the reference is missing — {problem}; going on without it"));
            return (null, problem);
        }

        return (new ReferenceRunner(plan, tool), null);
    }

    /// <summary>Measures the twin of the last trial of <paramref name="c"/> and pairs it with that trial.</summary>
    public async Task<string?> MeasureTwinAsync(CaseTrials c, CancellationToken cancellationToken)
    {
        var trial = c.Trials[^1];
        var nativeCase = new NativeCase(c.Case.Twin!, c.Case.Workload.Name, c.Case.Size, IterationsFor(trial.Operations), plan.Pin, plan.CoordinatorCpu, plan.WorkerCpu)
        {
            Capacity = plan.RingCapacity,
            ZeroCopy = plan.ZeroCopy && c.Case.Workload.Name == "throughput",
            // anon-pipe enlarges its pipes; its twin does the same, so that the two still drive one mechanism alike.
            PipeSize = c.Case.Twin == "pipe" ? new IpcKit.Transports.AnonymousPipes.AnonymousPipeTransportOptions().PipeBufferSize : null,
        };
        var n = await tool.MeasureAsync(nativeCase, plan.CaseTimeout, cancellationToken);
        c.PairLast(new NativeTrial(n.Operations, n.P50Ns, n.P99Ns, n.MessagesPerSecond, n.BytesPerSecond,
            n.Error is null ? NativeFigures.RatioOf(c.Case.Workload.Name, trial, n.P50Ns, n.MessagesPerSecond) : null) { Error = n.Error });
        if (HasFloor(c.Case, plan.Pin))
        {
            // The twin is a ring with its own waiting; the floor of a round trip through shared memory is two
            // processes flipping a flag each, spinning, and the floor of one that carries the case's bytes is the same
            // with a one-slot mailbox (FloorKind). Measured the same way, right after, with the same size and placement.
            foreach (var kind in FloorKind.All)
            {
                var floor = await tool.MeasureAsync(nativeCase with { Mechanism = kind.Mechanism, Capacity = null, ZeroCopy = false }, plan.CaseTimeout, cancellationToken);
                c.PairLastFloor(kind, new NativeTrial(floor.Operations, floor.P50Ns, floor.P99Ns, floor.MessagesPerSecond, floor.BytesPerSecond,
                    floor.Error is null ? NativeFigures.RatioOf("latency", trial, floor.P50Ns, 0) : null) { Error = floor.Error });
            }
        }

        return n.Error;
    }

    /// <summary>
    /// Whether a case is also set against the shared-memory floors (<see cref="FloorKind"/>): a round trip of a small
    /// message through shared memory between processes (mmf latency up to 1 KiB), where the floor is the cost of the
    /// cache-line handovers: the flag's one line each way, the slot's every line of the message each way.
    /// Only with the two sides on two CPUs (--pin split): sharing one CPU, a spinning flag hands over once per time
    /// slice, and a floor of milliseconds would say nothing.
    /// </summary>
    internal static bool HasFloor(PlannedCase c, PinMode pin) =>
        pin == PinMode.Split && c.Workload.Name == "latency" && c.Size <= 1024 && c.Twin is "shm-spin" or "futex" or "futex-block";

    /// <summary>memcpy at each size the ring transports streamed, with source and destination warm in cache (one slot each).</summary>
    public async Task<IReadOnlyList<MemcpyFigure>?> MeasureMemcpyAsync(IReadOnlyList<CaseTrials> cases, IProgress<RunEvent> progress, CancellationToken cancellationToken)
    {
        var streams = cases.Where(c => c.Case.IsRing && c.Case.Workload.Name == "throughput" && c.Error is null && c.Trials.Count > 0).ToList();
        if (streams.Count == 0)
        {
            return null;
        }

        var figures = new List<MemcpyFigure>();
        foreach (var group in streams.GroupBy(c => c.Case.Size).OrderBy(g => g.Key))
        {
            int size = group.Key;
            progress.Report(new RunNote($"native: memcpy, {Format.Size(size)} (cache-warm)"));
            long operations = group.Max(c => c.Trials.Max(t => t.Operations));
            var memcpyCase = new NativeCase("memcpy", "throughput", size, IterationsFor(operations), plan.Pin, plan.CoordinatorCpu, plan.WorkerCpu)
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

    /// <summary>Which measured cases have no native twin, as a note for the report; null when all have one.</summary>
    public static string? Untwinned(BenchPlan plan)
    {
        var without = plan.Cases.Where(c => c.Twin is null).Select(c => c.Workload.HasNativeTwin ? c.Scheme : $"{c.Scheme} {c.Workload.Name}").Distinct().ToList();
        return without.Count == 0 ? null : $"No native twin for: {string.Join(", ", without)}.";
    }

    /// <summary>As many operations as the IpcKit trial did, within what ipckit-native accepts.</summary>
    private static long IterationsFor(long operations) => Math.Clamp(operations, 100, 1_000_000_000);
}
