using System.Diagnostics;
using System.Text.Json.Nodes;
using static IpcKit.Coordinator.Demos.DemoKit;

namespace IpcKit.Coordinator.Demos;

/// <summary>
/// Tasks are cheaper than threads: 100,000 concurrent tasks on the thread pool start in a moment and take a couple of
/// hundred bytes each; OS threads started for as long take tens of microseconds and kilobytes each. An M:N scheduler
/// (Go's goroutines, .NET tasks on the work-stealing pool) buys exactly this.
/// </summary>
internal sealed class LightweightDemo : IDemo
{
    /// <summary>How many tasks to start.</summary>
    public int Tasks { get; init; } = 100_000;

    /// <summary>A ceiling on the threads, whatever the time allows.</summary>
    public int MaxThreads { get; init; } = 10_000;

    public string Name => "lightweight";

    public string Summary => "Tasks are cheaper than threads: 100,000 concurrent tasks against as many OS threads as start in the same time, memory and start time per unit.";

    public static string Claim =>
        "A task waiting on the thread pool costs far less memory and far less time to start than an OS thread: an M:N scheduler runs "
        + "many tasks on a few threads.";

    public async Task<DemoResult> RunAsync(DemoOutput output, CancellationToken cancellationToken)
    {
        output.Say($"{Tasks:N0} tasks are started on the thread pool; each runs until it awaits a gate that opens only when all");
        output.Say("have started, so all of them are alive at once. Then OS threads are started, each blocking on a gate too, for as");
        output.Say($"long as the tasks took (at least 100 ms, at most {MaxThreads:N0} threads). Memory is what the process holds in RAM");
        output.Say("(resident) while they are all alive, against before.");
        output.Say();

        var tasks = await StartTasksAsync(Tasks);
        cancellationToken.ThrowIfCancellationRequested();
        var budget = TimeSpan.FromMilliseconds(Math.Max(100, tasks.Elapsed.TotalMilliseconds));
        var threads = StartThreads(budget, MaxThreads);

        output.Table(
            ["", "started", "time to start all ms", "µs each", "resident memory KiB", "bytes each", "threads in the process"],
            [Row("tasks (async, thread pool)", tasks), Row("OS threads", threads)]);
        output.Say();
        double timeRatio = threads.NsEach / tasks.NsEach;
        double memoryRatio = threads.BytesEach / Math.Max(1, tasks.BytesEach);
        output.Say($"A waiting task is a small object on the heap: the state of its method and what it awaits ({tasks.ManagedBytesEach:N0} bytes of");
        output.Say($"heap each here). The process had {tasks.ThreadsAfter} threads while all {Tasks:N0} tasks were alive: a waiting task holds no thread.");
        output.Say("A thread is a kernel object with a stack of its own: the kernel must create it, the stack is reserved");
        output.Say($"({threads.ReservedBytesEach / 1024:N0} KiB of address space each here) and its first pages touched, and the scheduler tracks it from then on.");
        output.Say($"Per unit, a thread took {timeRatio:N0} times as long to start and {memoryRatio:N0} times the memory. That is what an M:N scheduler");
        output.Say("buys: Go runs goroutines, and .NET runs tasks, by the thousand on a handful of OS threads.");

        bool held = timeRatio >= 5 && memoryRatio >= 5;
        string verdict = (held ? "Held: " : "Did not hold on this run: ")
            + $"{Tasks:N0} tasks started in {tasks.Elapsed.TotalMilliseconds:0} ms at {tasks.BytesEach:N0} bytes each; {threads.Started:N0} threads in "
            + $"{threads.Elapsed.TotalMilliseconds:0} ms at {threads.BytesEach:N0} bytes each ({timeRatio:N0}x the time, {memoryRatio:N0}x the memory per unit).";
        var figures = new JsonObject
        {
            ["tasks"] = Figures(tasks),
            ["threads"] = Figures(threads),
            ["startTimeRatio"] = Math.Round(timeRatio, 1),
            ["memoryRatio"] = Math.Round(memoryRatio, 1),
            ["loadAverage"] = LoadAverage(),
        };
        return new DemoResult(Name, Claim, held, verdict, figures);
    }

    /// <param name="ManagedBytesEach">Live managed heap per unit (tasks only).</param>
    /// <param name="ReservedBytesEach">Address space reserved per unit (threads: their stacks).</param>
    private sealed record Batch(int Started, TimeSpan Elapsed, long ResidentKiB, double ManagedBytesEach, double ReservedBytesEach, int ThreadsBefore, int ThreadsAfter)
    {
        public double NsEach => Elapsed.TotalNanoseconds / Math.Max(1, Started);

        public double BytesEach => ResidentKiB * 1024.0 / Math.Max(1, Started);
    }

    private static string[] Row(string label, Batch b) =>
    [
        label, N(b.Started), N(b.Elapsed.TotalMilliseconds), N(b.NsEach / 1000, "0.00"), N(b.ResidentKiB), N(b.BytesEach), $"{b.ThreadsBefore} -> {b.ThreadsAfter}",
    ];

    private static JsonObject Figures(Batch b) => new()
    {
        ["started"] = b.Started,
        ["startMs"] = Math.Round(b.Elapsed.TotalMilliseconds, 1),
        ["nsEach"] = Math.Round(b.NsEach),
        ["residentKiB"] = b.ResidentKiB,
        ["bytesEach"] = Math.Round(b.BytesEach),
        ["managedBytesEach"] = Math.Round(b.ManagedBytesEach),
        ["reservedBytesEach"] = Math.Round(b.ReservedBytesEach),
        ["processThreadsBefore"] = b.ThreadsBefore,
        ["processThreadsAfter"] = b.ThreadsAfter,
    };

    private static async Task<Batch> StartTasksAsync(int count)
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var allWaiting = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        int waiting = 0;
        async Task Unit()
        {
            var wait = gate.Task;
            if (Interlocked.Increment(ref waiting) == count)
            {
                allWaiting.SetResult();
            }

            await wait;
        }

        await Task.Run(() => { }); // the pool is up before the clock starts
        long managedBefore = GC.GetTotalMemory(true);
        var before = ProcessStatus.Read();
        var units = new Task[count];
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < count; i++)
        {
            units[i] = Task.Run(Unit);
        }

        await allWaiting.Task.WaitAsync(JoinTimeout);
        var elapsed = Stopwatch.GetElapsedTime(start);
        var after = ProcessStatus.Read();
        long managedAfter = GC.GetTotalMemory(false);
        gate.SetResult();
        await Task.WhenAll(units).WaitAsync(JoinTimeout);
        return new Batch(count, elapsed, Math.Max(0, after.RssKiB - before.RssKiB), (managedAfter - managedBefore) / (double)count,
            (after.VirtualKiB - before.VirtualKiB) * 1024.0 / count, before.Threads, after.Threads);
    }

    private static Batch StartThreads(TimeSpan budget, int max)
    {
        using var gate = new ManualResetEvent(false);
        int running = 0;
        var threads = new List<Thread>();
        var before = ProcessStatus.Read();
        long start = Stopwatch.GetTimestamp();
        try
        {
            while (threads.Count < max && Stopwatch.GetElapsedTime(start) < budget)
            {
                var t = new Thread(() =>
                {
                    Interlocked.Increment(ref running);
                    gate.WaitOne();
                })
                { IsBackground = true, Name = "ipckit-demo-lightweight" };
                t.Start();
                threads.Add(t);
            }

            var spin = default(SpinWait);
            while (Volatile.Read(ref running) < threads.Count && Stopwatch.GetElapsedTime(start) < JoinTimeout)
            {
                spin.SpinOnce();
            }

            var elapsed = Stopwatch.GetElapsedTime(start);
            var after = ProcessStatus.Read();
            return new Batch(threads.Count, elapsed, Math.Max(0, after.RssKiB - before.RssKiB), 0,
                (after.VirtualKiB - before.VirtualKiB) * 1024.0 / Math.Max(1, threads.Count), before.Threads, after.Threads);
        }
        finally
        {
            gate.Set();
            JoinAll(threads, "lightweight");
        }
    }
}
