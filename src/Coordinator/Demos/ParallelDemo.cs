using System.Text.Json.Nodes;
using IpcKit.Protocol;
using IpcKit.Worker;
using static IpcKit.Coordinator.Demos.DemoKit;

namespace IpcKit.Coordinator.Demos;

/// <summary>
/// Concurrency is not parallelism: the same CPU-bound work split across two threads takes as long as one thread when
/// both are confined to one CPU (they take turns), and about half as long across two CPUs (they run at the same instant).
/// </summary>
internal sealed class ParallelDemo : IDemo
{
    /// <summary>About how much CPU time the whole job takes one thread.</summary>
    public TimeSpan Work { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>The CPUs to use (the first two); by default the ones this process may run on.</summary>
    public IReadOnlyList<int>? Cpus { get; init; }

    public string Name => "parallel";

    public string Summary => "Concurrency is not parallelism: two threads on one CPU take turns and take as long as one; on two CPUs they take half the time.";

    public static string Claim =>
        "Two threads sharing one CPU take turns (concurrency) and need as long as one thread doing all the work; on two CPUs they run "
        + "at the same instant (parallelism) and need about half the time.";

    public Task<DemoResult> RunAsync(DemoOutput output, CancellationToken cancellationToken)
    {
        var cpus = Cpus ?? Affinity.AllowedCpus();
        int a = cpus[0];
        int b = cpus.Count > 1 ? cpus[1] : -1;
        long units = UnitsFor(a, Work);
        output.Say($"A CPU-bound job ({units:N0} units of arithmetic, about {Work.TotalMilliseconds:0} ms for one thread) is run three ways. Each thread");
        output.Say("reads from the kernel how much CPU time it got and how long it stood in line for a CPU. CPU time over wall");
        output.Say("time says how many CPUs were working on the job at once.");
        output.Say();

        var one = RunTogether("ipckit-demo-parallel-1", [a], _ => DemoWork.Run(units));
        cancellationToken.ThrowIfCancellationRequested();
        var turns = RunTogether("ipckit-demo-parallel-turns", [a, a], _ => DemoWork.Run(units / 2));
        cancellationToken.ThrowIfCancellationRequested();
        var both = b < 0 ? null : RunTogether("ipckit-demo-parallel-both", [a, b], _ => DemoWork.Run(units / 2));

        var rows = new List<IReadOnlyList<string>>
        {
            Row("1 thread, all the work", one, one),
            Row($"2 threads, half each, one CPU ({a})", turns, one),
            both is null ? ["2 threads, half each, two CPUs", "skipped: this process may use one CPU only", "", "", "", ""] : Row($"2 threads, half each, two CPUs ({a}, {b})", both, one),
        };
        output.Table(["", "wall ms", "CPU ms", "CPUs at once", "waited for a CPU ms", "speed-up"], rows);
        output.Say();
        output.Say($"On one CPU the two threads are concurrent: both are in progress, but only one runs at any instant. The kernel");
        output.Say($"switches between them ({turns.Threads.Sum(t => t.Involuntary):N0} preemptions), each waits while the other runs, and the job takes as");
        output.Say("long as it does on one thread, plus the switches. Splitting work across threads buys nothing without more CPUs.");

        bool concurrent = turns.CpusAtOnce <= 1.05;
        bool parallel = both is not null && both.CpusAtOnce >= 1.5;
        double speedUp = both is null ? 0 : one.Wall / both.Wall;
        double otherWaitMs = both is null ? 0 : both.WaitNs / 1e6;
        if (both is null)
        {
            output.Say("This process may use only one CPU, so that is all this run can show: to see parallelism, give it two");
            output.Say("(for example `taskset -c 0,1 ./ipckit demo parallel`).");
        }
        else if (parallel)
        {
            output.Say($"On two CPUs they are parallel: both run at the same instant ({both.CpusAtOnce:0.00} CPUs at once) and the job");
            output.Say($"finishes {speedUp:0.0} times sooner. The CPU time stays the same: parallelism does not make work cheaper, it gets it done sooner.");
        }
        else
        {
            output.Say($"On two CPUs the threads averaged only {both.CpusAtOnce:0.00} CPUs at once: they stood in line for {otherWaitMs:0} ms in total,");
            output.Say("because other programs had the second CPU. Parallelism needs a CPU that is free; on this busy machine the");
            output.Say($"second one was not (load average {LoadAverage()}), so this run shows concurrency on both rows.");
        }

        bool held = concurrent && parallel;
        string verdict = (held ? "Held: " : "Did not hold on this run: ")
            + $"on one CPU two threads used {turns.CpusAtOnce:0.00} CPUs at once and took {turns.WallMs:0} ms against {one.WallMs:0} ms for one thread; "
            + (both is null ? "only one CPU was available, so the parallel half could not run."
                : $"on two CPUs they used {both.CpusAtOnce:0.00} at once and took {both.WallMs:0} ms ({speedUp:0.0}x)"
                  + (parallel ? "." : $", having waited {otherWaitMs:0} ms for a CPU that other programs were using."));
        var figures = new JsonObject
        {
            ["units"] = units,
            ["loadAverage"] = LoadAverage(),
            ["oneThread"] = Figures(one, one),
            ["oneCpu"] = Figures(turns, one),
            ["twoCpus"] = both is null ? new JsonObject { ["skipped"] = "this process may use one CPU only" } : Figures(both, one),
            ["concurrencyHeld"] = concurrent,
            ["parallelismHeld"] = parallel,
        };
        return Task.FromResult(new DemoResult(Name, Claim, held, verdict, figures));
    }

    private static string[] Row(string label, TogetherResult r, TogetherResult one) =>
    [
        label, N(r.Wall.TotalMilliseconds), N(r.CpuNs / 1e6), N(r.CpusAtOnce, "0.00"), N(r.WaitNs / 1e6), N(one.Wall / r.Wall, "0.00") + "x",
    ];

    private static JsonObject Figures(TogetherResult r, TogetherResult one) => new()
    {
        ["threads"] = r.Threads.Count,
        ["wallMs"] = r.WallMs,
        ["cpuMs"] = Ms(r.CpuNs),
        ["cpusAtOnce"] = Math.Round(r.CpusAtOnce, 3),
        ["waitedForCpuMs"] = Ms(r.WaitNs),
        ["involuntarySwitches"] = r.Threads.Sum(t => t.Involuntary),
        ["speedUp"] = Math.Round(one.Wall / r.Wall, 3),
    };
}
