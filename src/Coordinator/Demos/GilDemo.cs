using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using IpcKit.Protocol;
using IpcKit.Worker;
using static IpcKit.Coordinator.Demos.DemoKit;

namespace IpcKit.Coordinator.Demos;

/// <summary>
/// A global lock around CPU-bound work, as CPython's GIL is: N threads that must hold it to compute get no speed-up
/// over one, while N worker processes, each with a lock of its own, do. One more reason programs use processes, and
/// then need IPC.
/// </summary>
internal sealed class GilDemo : IDemo
{
    /// <summary>
    /// Units of work done while holding the lock once: about 1 ms (CPython's threads hand its GIL over every 5 ms).
    /// Shorter turns mean more hand-overs, in which the woken thread counts as wanting a CPU before it finds the lock taken.
    /// </summary>
    private const long Chunk = 600;

    /// <summary>About how much CPU time the whole job takes one thread.</summary>
    public TimeSpan Work { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>The CPUs to use; by default the ones this process may run on.</summary>
    public IReadOnlyList<int>? Cpus { get; init; }

    public string Name => "gil";

    public string Summary => "A global lock serializes threads: N threads under one lock are no faster than one; N processes, each with its own lock, are.";

    public static string Claim =>
        "CPU-bound threads that must all hold one global lock (as under CPython's GIL) get no speed-up over one thread; the same "
        + "number of processes, each with a lock of its own, run in parallel.";

    public async Task<DemoResult> RunAsync(DemoOutput output, CancellationToken cancellationToken)
    {
        var cpus = Cpus ?? Affinity.AllowedCpus();
        int n = Math.Clamp(cpus.Count, 2, 4);
        long units = UnitsFor(cpus[0], Work);
        output.Say($"The same CPU-bound job ({units:N0} units, about {Work.TotalMilliseconds:0} ms for one thread) is split across {n} threads that must hold one");
        output.Say($"global lock while they compute, {Chunk} units at a time (CPython's threads hold its GIL the same way), then across");
        output.Say($"{n} worker processes, each with a lock of its own. Each thread reads from the kernel how much CPU time it got");
        output.Say("and how long it stood in line for one; both together, over the wall time, say how many threads wanted a CPU at");
        output.Say("once. That figure does not depend on how busy the machine is; the wall time does.");
        output.Say();

        var one = RunTogether("ipckit-demo-gil-1", [cpus[0]], _ => DemoWork.Run(units));
        cancellationToken.ThrowIfCancellationRequested();
        // A Mutex, not `lock`: a thread that finds it taken sleeps in the kernel at once, as CPython's threads wait for
        // the GIL on a condition variable. `lock` (Monitor/Lock) spins first, and on a busy machine a spinner that is
        // preempted stands in the run queue, so it would count as wanting a CPU while it only waits for the lock.
        using var gil = new Mutex();
        var threads = RunTogether("ipckit-demo-gil", [.. Enumerable.Range(0, n).Select(i => cpus[i % cpus.Count])], _ =>
        {
            for (long done = 0; done < units / n; done += Chunk)
            {
                gil.WaitOne();
                try
                {
                    DemoWork.Run(Chunk);
                }
                finally
                {
                    gil.ReleaseMutex();
                }
            }
        });
        cancellationToken.ThrowIfCancellationRequested();
        var processes = await RunInProcessesAsync(n, units / n, cancellationToken);

        static double Wanting(TimeSpan wall, long cpuNs, long waitNs) => (cpuNs + waitNs) / wall.TotalNanoseconds;
        var rows = new (string Key, string Label, TimeSpan Wall, long CpuNs, long WaitNs)[]
        {
            ("oneThread", "1 thread, no lock", one.Wall, one.CpuNs, one.WaitNs),
            ("threadsOneLock", $"{n} threads, one global lock", threads.Wall, threads.CpuNs, threads.WaitNs),
            ("processes", $"{n} processes, a lock each", processes.Wall, processes.CpuNs, processes.WaitNs),
        };
        output.Table(
            ["", "wall ms", "CPU ms", "waited for a CPU ms", "wanting a CPU at once", "speed-up"],
            [.. rows.Select(r => new[] { r.Label, N(r.Wall.TotalMilliseconds), N(r.CpuNs / 1e6), N(r.WaitNs / 1e6), N(Wanting(r.Wall, r.CpuNs, r.WaitNs), "0.00"), N(one.Wall / r.Wall, "0.00") + "x" })]);
        output.Say();

        double gilWanting = Wanting(threads.Wall, threads.CpuNs, threads.WaitNs);
        double processWanting = Wanting(processes.Wall, processes.CpuNs, processes.WaitNs);
        double processCpus = processes.CpuNs / processes.Wall.TotalNanoseconds;
        bool serialized = gilWanting <= 1.25;
        bool parallel = processWanting >= 0.75 * n;
        bool busy = processCpus < 0.75 * Math.Min(n, cpus.Count);
        output.Say($"Under the global lock only one thread can compute at any instant, however many CPUs there are: the other");
        output.Say($"sleeps until the lock is free. The {n} threads wanted {gilWanting:0.00} CPUs at once and finished no sooner than one thread");
        output.Say("(a thread that finds the lock taken sleeps in the kernel until it is released, as CPython's threads do).");
        output.Say("CPython's threads help with waiting on I/O, which releases the GIL, not with computing.");
        output.Say($"The processes share nothing, so each has its own lock: they wanted {processWanting:0.00} CPUs at once"
                   + (cpus.Count < 2 ? ", but this process may use one CPU only, so they took turns on it." : busy ? "," : " and got them."));
        if (cpus.Count > 1 && busy)
        {
            output.Say($"but got only {processCpus:0.00}: other programs had the CPUs (load average {LoadAverage()}), and the processes stood in line");
            output.Say($"for {processes.WaitNs / 1e6:0} ms. On an idle machine each has a CPU of its own and the job takes {(n == 2 ? "half" : $"1/{n}")} the time.");
        }

        output.Say("That is why Python programs use multiprocessing for CPU-bound work, and then need IPC to hand out the work");
        output.Say("and collect the results (here: a line on each worker's stdin and stdout).");

        bool held = serialized && parallel;
        string verdict = (held ? "Held: " : "Did not hold on this run: ")
            + $"{n} threads under one lock wanted {gilWanting:0.00} CPUs at once ({one.Wall / threads.Wall:0.00}x the speed of one thread); "
            + $"{n} processes wanted {processWanting:0.00} and got {processCpus:0.00} ({one.Wall / processes.Wall:0.00}x)"
            + (busy && cpus.Count > 1 ? $", other programs holding the rest (load average {LoadAverage()})." : ".");
        var figures = new JsonObject { ["workers"] = n, ["units"] = units, ["chunk"] = Chunk, ["cpus"] = cpus.Count, ["loadAverage"] = LoadAverage() };
        foreach (var r in rows)
        {
            figures[r.Key] = new JsonObject
            {
                ["wallMs"] = Math.Round(r.Wall.TotalMilliseconds, 1),
                ["cpuMs"] = Ms(r.CpuNs),
                ["waitedForCpuMs"] = Ms(r.WaitNs),
                ["wantingCpusAtOnce"] = Math.Round(Wanting(r.Wall, r.CpuNs, r.WaitNs), 3),
                ["cpusAtOnce"] = Math.Round(r.CpuNs / r.Wall.TotalNanoseconds, 3),
                ["speedUp"] = Math.Round(one.Wall / r.Wall, 3),
            };
        }

        figures["serialized"] = serialized;
        figures["parallel"] = parallel;
        figures["machineBusy"] = busy;
        return new DemoResult(Name, Claim, held, verdict, figures);
    }

    private sealed record ProcessRun(TimeSpan Wall, long CpuNs, long WaitNs);

    /// <summary>Starts the workers, lets each get ready, says go to all, and times until the last one is done.</summary>
    private static async Task<ProcessRun> RunInProcessesAsync(int n, long unitsEach, CancellationToken cancellationToken)
    {
        var workers = new List<DemoWorker>();
        try
        {
            for (int i = 0; i < n; i++)
            {
                workers.Add(DemoWorker.Start("gil", unitsEach.ToString(CultureInfo.InvariantCulture), Chunk.ToString(CultureInfo.InvariantCulture)));
            }

            foreach (var w in workers)
            {
                await w.ExpectAsync("ready", cancellationToken);
            }

            long start = Stopwatch.GetTimestamp();
            foreach (var w in workers)
            {
                await w.SendLineAsync("go", cancellationToken);
            }

            long cpu = 0, wait = 0, finish = start;
            foreach (var w in workers)
            {
                long[] done = await w.ReadNumbersAsync("done", cancellationToken);
                cpu += done[0];
                wait += done[1];
                finish = Math.Max(finish, done[2]);
            }

            return new ProcessRun(Stopwatch.GetElapsedTime(start, finish), cpu, wait);
        }
        finally
        {
            foreach (var w in workers)
            {
                await w.DisposeAsync();
            }
        }
    }
}
