using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using IpcKit.Protocol;

namespace IpcKit.Coordinator.Demos;

/// <summary>
/// Threads that increment one shared counter without synchronization lose updates; <see cref="Interlocked"/> and a
/// lock lose none and cost more. Worker processes doing the same work cannot race, since they share nothing, and their
/// partial counts have to be brought together over IPC.
/// </summary>
internal sealed class RaceDemo : IDemo
{
    private static readonly TimeSpan JoinTimeout = TimeSpan.FromSeconds(30);

    /// <summary>How long each threaded variant counts. Long enough for the threads to overlap on a busy machine.</summary>
    public TimeSpan Duration { get; init; } = TimeSpan.FromMilliseconds(300);

    /// <summary>The CPUs the threads are pinned to; by default the ones this process may run on.</summary>
    public IReadOnlyList<int>? Cpus { get; init; }

    /// <summary>Increments per worker process.</summary>
    public long ProcessIncrements { get; init; } = 5_000_000;

    public string Name => "race";

    public string Summary => "Threads incrementing a shared counter without synchronization lose updates; Interlocked and lock do not, at a price; processes cannot race.";

    public static string Claim =>
        "Unsynchronized increments of a shared counter from several threads lose updates, while Interlocked and lock lose none; "
        + "processes share no memory, so they cannot race, and their partial counts must be combined over IPC.";

    public async Task<DemoResult> RunAsync(DemoOutput output, CancellationToken cancellationToken)
    {
        var cpus = Cpus ?? Affinity.AllowedCpus();
        int threads = Math.Clamp(cpus.Count, 2, 4);
        bool oneCpu = cpus.Count == 1;
        output.Say((oneCpu ? $"{threads} threads, both on the one CPU this process may use," : $"{threads} threads, each pinned to its own CPU,") + $" add 1 to one shared counter for {Duration.TotalMilliseconds:0} ms, each also counting its");
        output.Say("own increments in a local variable. The shared counter should end at the sum of those. But counter++ is a");
        output.Say("read, an add and a write (the JIT makes it one `inc [mem]` instruction, which is still not atomic across");
        output.Say("cores): when two cores read the same value, both write value + 1 and one increment is lost.");
        output.Say();

        var baseline = Measure(cpus, 1, Duration, static c => Volatile.Write(ref c.Value, Volatile.Read(ref c.Value) + 1));
        cancellationToken.ThrowIfCancellationRequested();
        var racy = Measure(cpus, threads, Duration, static c => Volatile.Write(ref c.Value, Volatile.Read(ref c.Value) + 1));
        cancellationToken.ThrowIfCancellationRequested();
        var atomic = Measure(cpus, threads, Duration, static c => Interlocked.Increment(ref c.Value));
        cancellationToken.ThrowIfCancellationRequested();
        var locked = Measure(cpus, threads, Duration, static c =>
        {
            lock (c.Gate)
            {
                c.Value++;
            }
        });
        cancellationToken.ThrowIfCancellationRequested();
        var processes = await CountInProcessesAsync(threads, ProcessIncrements, cancellationToken);

        var rows = new List<IReadOnlyList<string>>
        {
            Row("1 thread, nothing shared (baseline)", baseline),
            Row(oneCpu ? $"{threads} threads on one CPU, unsynchronized" : $"{threads} threads, unsynchronized", racy),
            Row($"{threads} threads, Interlocked.Increment", atomic),
            Row($"{threads} threads, lock", locked),
            Row($"{threads} processes, summed over pipes", processes),
        };
        output.Table(["", "increments made", "counter says", "lost", "ns/increment"], rows);
        output.Say();
        if (oneCpu)
        {
            output.Say($"This process may use one CPU only, so the threads took turns on it: unsynchronized, they lost {racy.Lost:N0} of {racy.Expected:N0}");
            output.Say("updates. A thread loses an update only if the scheduler preempts it between its read and its write, at most");
            output.Say("once per time slice of a few milliseconds, so threads taking turns rarely lose one. The race needs two CPUs");
            output.Say("running the increment at the same instant (try `taskset -c 0,1 ./ipckit demo race`).");
        }
        else
        {
            output.Say($"Unsynchronized, {racy.Lost:N0} updates vanished without an error.");
        }

        output.Say("Interlocked makes the CPU do the read-add-write as one indivisible step; lock lets one thread at a time in.");
        output.Say("Both are correct and both cost more per increment" + (oneCpu ? "." : ", and the cache line holding the counter travels"));
        if (!oneCpu)
        {
            output.Say("between the cores on every increment.");
        }

        output.Say("The worker processes ran the same unsynchronized code, each on a counter only it can see, and wrote");
        output.Say($"their totals to their stdout pipes, where the coordinator added them up: {string.Join(" + ", processes.Parts.Select(p => p.ToString("N0", CultureInfo.CurrentCulture)))}.");
        output.Say($"Nothing shared, nothing lost. (Their ns/increment includes starting {threads} processes.)");

        bool held = racy.Lost > 0 && atomic.Lost == 0 && locked.Lost == 0 && processes.Lost == 0;
        bool synchronizedLostNone = atomic.Lost == 0 && locked.Lost == 0 && processes.Lost == 0;
        string verdict = !synchronizedLostNone
            ? "Did not hold: a synchronized variant lost updates, which should never happen."
            : oneCpu
                ? $"Did not hold with one CPU: threads taking turns on it lost {racy.Lost:N0} of {racy.Expected:N0} updates "
                  + $"({racy.Lost * 1e6 / Math.Max(1, racy.Expected):0.##} per million), only when preempted between read and write; losing many takes two CPUs at the same instant. "
                  + "Interlocked, lock and the processes lost none."
                : held
                    ? $"Held: unsynchronized threads lost {racy.Lost:N0} of {racy.Expected:N0} updates; Interlocked, lock and the processes lost none."
                    : $"Did not hold on this run: the unsynchronized threads lost nothing; on this busy machine (load average {DemoKit.LoadAverage()}) they hardly ran at the same instant.";
        held = held && !oneCpu;
        var figures = new JsonObject
        {
            ["threads"] = threads,
            ["oneCpu"] = oneCpu,
            ["milliseconds"] = Duration.TotalMilliseconds,
            ["baseline"] = Figures(baseline),
            ["unsynchronized"] = Figures(racy),
            ["interlocked"] = Figures(atomic),
            ["lock"] = Figures(locked),
            ["processes"] = Figures(processes),
            ["processCounts"] = new JsonArray([.. processes.Parts.Select(p => JsonValue.Create(p))]),
        };
        return new DemoResult(Name, Claim, held, verdict, figures);
    }

    private static string[] Row(string what, Tally t) =>
    [
        what, t.Expected.ToString("N0", CultureInfo.CurrentCulture), t.Count.ToString("N0", CultureInfo.CurrentCulture),
        t.Lost.ToString("N0", CultureInfo.CurrentCulture), t.NsPerIncrement.ToString("0.0", CultureInfo.CurrentCulture),
    ];

    private static JsonObject Figures(Tally t) => new()
    {
        ["increments"] = t.Expected,
        ["count"] = t.Count,
        ["lost"] = t.Lost,
        ["nsPerIncrement"] = Math.Round(t.NsPerIncrement, 2),
    };

    /// <summary>
    /// Runs <paramref name="increment"/> on <paramref name="threads"/> threads started together, for
    /// <paramref name="duration"/>. Each thread also counts its own increments in a local variable: their sum is what
    /// the shared counter should say.
    /// </summary>
    private static Tally Measure(IReadOnlyList<int> cpus, int threads, TimeSpan duration, Action<Counter> increment)
    {
        // One thread per CPU, pinned: on a busy machine the scheduler would otherwise often queue them on one CPU,
        // where they take turns and never run at the same instant.
        var counter = new Counter();
        var done = new long[threads];
        int arrived = 0;
        int stop = 0;
        var workers = Enumerable.Range(0, threads).Select(i => new Thread(() =>
        {
            if (threads > 1)
            {
                Affinity.PinCurrentThread(cpus[i % cpus.Count]);
            }

            // Spin until every thread is here, so that they start together: a thread woken from sleep can take
            // longer to get going than the others take to finish a lot of work.
            Interlocked.Increment(ref arrived);
            var spin = default(SpinWait);
            while (Volatile.Read(ref arrived) < threads)
            {
                spin.SpinOnce();
            }

            long mine = 0;
            while (Volatile.Read(ref stop) == 0)
            {
                increment(counter);
                mine++;
            }

            done[i] = mine;
        })
        { IsBackground = true, Name = $"ipckit-demo-race-{i}" }).ToArray();
        foreach (var t in workers)
        {
            t.Start();
        }

        long start = Stopwatch.GetTimestamp();
        Thread.Sleep(duration); // the threads count meanwhile; this thread only keeps the time
        Volatile.Write(ref stop, 1);
        foreach (var t in workers)
        {
            if (!t.Join(JoinTimeout))
            {
                throw new TimeoutException($"A counting thread did not stop within {JoinTimeout.TotalSeconds:0} s.");
            }
        }

        return new Tally(counter.Value, done.Sum(), Stopwatch.GetElapsedTime(start), []);
    }

    /// <summary>Each worker process counts on its own and prints its total on stdout; the coordinator sums them.</summary>
    private static async Task<Tally> CountInProcessesAsync(int processes, long each, CancellationToken cancellationToken)
    {
        long start = Stopwatch.GetTimestamp();
        var workers = new List<DemoWorker>();
        try
        {
            for (int i = 0; i < processes; i++)
            {
                workers.Add(DemoWorker.Start("count", each.ToString(CultureInfo.InvariantCulture)));
            }

            var parts = new List<long>();
            foreach (var worker in workers)
            {
                parts.Add((await worker.ReadNumbersAsync("count", cancellationToken))[0]);
                await worker.WaitForExitAsync(cancellationToken);
            }

            return new Tally(parts.Sum(), (long)processes * each, Stopwatch.GetElapsedTime(start), parts);
        }
        finally
        {
            foreach (var worker in workers)
            {
                await worker.DisposeAsync();
            }
        }
    }

    private sealed class Counter
    {
        public long Value;
        public readonly Lock Gate = new();
    }

    /// <param name="Count">What the counter says.</param>
    /// <param name="Expected">The increments actually made, counted privately by each thread or process.</param>
    private sealed record Tally(long Count, long Expected, TimeSpan Elapsed, IReadOnlyList<long> Parts)
    {
        public long Lost => Expected - Count;

        public double NsPerIncrement => Elapsed.TotalNanoseconds / Math.Max(1, Expected);
    }
}
