using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using IpcKit.Protocol;
using IpcKit.Worker;
using static IpcKit.Coordinator.Demos.DemoKit;

namespace IpcKit.Coordinator.Demos;

/// <summary>
/// Preemptive round-robin, measured: CPU-bound threads confined to one CPU each note when they run. A gap in a
/// thread's own clock readings is a moment it was not on the CPU; between gaps are the time slices the scheduler
/// handed it. The kernel's count of involuntary context switches confirms each turn was taken away, not given up.
/// </summary>
internal sealed class TimeSliceDemo : IDemo
{
    /// <summary>A pause in a thread's clock readings longer than this means it was off the CPU.</summary>
    private static readonly long GapTicks = Stopwatch.Frequency / 20_000; // 50 µs

    private const int MaxSlices = 20_000;

    /// <summary>How long each variant runs at least.</summary>
    public TimeSpan Duration { get; init; } = TimeSpan.FromMilliseconds(300);

    /// <summary>
    /// The turns each thread should have had before a variant ends (after <see cref="Duration"/>, within
    /// <see cref="MaxDuration"/>): on a busy machine other programs take most turns, and a fixed time would show few of ours.
    /// </summary>
    public int TurnsEach { get; init; } = 8;

    public TimeSpan MaxDuration { get; init; } = TimeSpan.FromMilliseconds(1500);

    /// <summary>The CPU the threads share; by default the first this process may use.</summary>
    public int? Cpu { get; init; }

    public string Name => "timeslice";

    public string Summary => "Preemptive round-robin, measured: CPU-bound threads on one CPU, the time slices the scheduler hands out and the involuntary switches.";

    public static string Claim =>
        "CPU-bound threads sharing one CPU never give it up, yet each runs in turn: the scheduler preempts the running one at the end "
        + "of its time slice (an involuntary context switch) and hands the CPU to the next; with a third thread each turn comes round less often.";

    public Task<DemoResult> RunAsync(DemoOutput output, CancellationToken cancellationToken)
    {
        int cpu = Cpu ?? Affinity.AllowedCpus()[0];
        output.Say($"Threads pinned to CPU {cpu} spin reading the clock, never sleeping or yielding, for {Duration.TotalMilliseconds:0} ms and until each has had");
        output.Say($"{TurnsEach} turns (at most {MaxDuration.TotalSeconds:0.#} s). A gap of more than {GapTicks * 1e6 / Stopwatch.Frequency:0} µs between two readings of one thread means");
        output.Say("it was off the CPU; what lies between gaps is a time slice. The kernel counts, per thread, the involuntary");
        output.Say("context switches: the times the CPU was taken away from it.");
        output.Say();

        var two = Measure(cpu, 2);
        cancellationToken.ThrowIfCancellationRequested();
        var three = Measure(cpu, 3);

        output.Say("The first turns with two threads, in ms (A and B take turns; '..' is time neither of them ran):");
        output.Say("  " + Timeline(two, 10));
        output.Say("and with three:");
        output.Say("  " + Timeline(three, 10));
        output.Say();
        output.Table(
            ["", "turns", "median slice ms", "others' turns between two of one thread's", "wait between turns ms", "involuntary switches"],
            [Row("2 threads, one CPU", two), Row("3 threads, one CPU", three)]);
        output.Say();
        output.Say($"Nothing in the threads' code gives up the CPU, yet they take turns: the scheduler preempts the running thread");
        output.Say($"when its slice is used up and runs the next. {two.Involuntary:N0} involuntary switches with two threads. The kernel's slice for");
        output.Say($"these threads is {two.KernelSliceMs:0.0#} ms (se.slice in /proc/thread-self/sched); the slices measured are close to it, or longer when");
        output.Say("the timer tick that checks comes late. Round-robin: with two threads each turn of A is followed by one of B");
        output.Say($"(median {two.MedianOthersBetweenTurns:0}); with a third, each thread waits for both others ({three.MedianOthersBetweenTurns:0}), so its turn comes round less often");
        output.Say($"({two.MedianWaitMs:0.0} -> {three.MedianWaitMs:0.0} ms between turns, which on a busy machine mostly measures the other programs).");
        if (three.MedianSliceMs < two.MedianSliceMs * 0.8)
        {
            output.Say("The slices themselves shortened too, as CFS divides its period among the runnable threads.");
        }
        else
        {
            output.Say("The slices did not shorten: this kernel's EEVDF scheduler (Linux 6.6 and later) hands out a fixed base");
            output.Say("slice, where the older CFS divided a period among the runnable threads, and so shortened them.");
        }

        output.Say("Other programs allowed on this CPU get turns as well; they make the '..' gaps.");

        bool held = two.Turns >= 2 * 3 && two.Involuntary > 0 && two.MedianOthersBetweenTurns >= 1 && three.Turns >= 3 * 3
                    && three.MedianOthersBetweenTurns > two.MedianOthersBetweenTurns;
        string verdict = (held ? "Held: " : "Did not hold on this run: ")
            + $"two threads on one CPU ran in {two.Turns} slices of {two.MedianSliceMs:0.00} ms (median), {two.MedianOthersBetweenTurns:0} turn of the other between two of one, "
            + $"with {two.Involuntary} involuntary switches; with three, slices of {three.MedianSliceMs:0.00} ms and {three.MedianOthersBetweenTurns:0} turns of the others between two of one.";
        var figures = new JsonObject
        {
            ["cpu"] = cpu,
            ["kernelSliceMs"] = two.KernelSliceMs,
            ["twoThreads"] = Figures(two),
            ["threeThreads"] = Figures(three),
            ["loadAverage"] = LoadAverage(),
        };
        return Task.FromResult(new DemoResult(Name, Claim, held, verdict, figures));
    }

    internal sealed record Slice(int Thread, long Start, long End)
    {
        public double Ms => (End - Start) * 1000.0 / Stopwatch.Frequency;
    }

    /// <param name="Slices">Every thread's slices, in the order they started.</param>
    internal sealed record Run(IReadOnlyList<Slice> Slices, long Involuntary, long Voluntary, double KernelSliceMs)
    {
        public int Turns => Slices.Count;

        public double MedianSliceMs => Median(Slices.Select(s => s.Ms));

        /// <summary>Per thread, the time from the end of one of its slices to the start of its next.</summary>
        public double MedianWaitMs => Median(Slices.GroupBy(s => s.Thread).SelectMany(g => g.Zip(g.Skip(1), (a, b) => (b.Start - a.End) * 1000.0 / Stopwatch.Frequency)));

        /// <summary>
        /// Per thread, how many turns of the other threads came between two of its own: 1 when two threads alternate,
        /// 2 when three go round. See <see cref="OthersBetweenTurns"/>.
        /// </summary>
        public double MedianOthersBetweenTurns => Median(OthersBetweenTurns([.. Slices.Select(s => s.Thread)]));

        /// <summary>The share of slices followed by one of another thread.</summary>
        public double Alternation => Slices.Count < 2 ? 0 : Slices.Zip(Slices.Skip(1), (a, b) => a.Thread != b.Thread ? 1.0 : 0.0).Average();

        /// <summary>
        /// For each turn of each thread, how many turns of the other threads came before its next one, given which thread
        /// ran each slice, in order. A turn is a thread's slices with none of the other threads' in between: another
        /// program that takes the CPU in the middle of a thread's turn cuts it into two slices, but the turn goes on
        /// (counted as slices, such cuts read as "0 others between two turns", and on a busy machine they outnumbered
        /// the real turns). So other programs' turns do not count, and this does not depend on the machine's load.
        /// </summary>
        internal static IEnumerable<double> OthersBetweenTurns(IReadOnlyList<int> threadOfEachSlice)
        {
            var turns = threadOfEachSlice.Where((t, i) => i == 0 || threadOfEachSlice[i - 1] != t).ToList();
            var last = new Dictionary<int, int>();
            for (int i = 0; i < turns.Count; i++)
            {
                if (last.TryGetValue(turns[i], out int previous))
                {
                    yield return i - previous - 1;
                }

                last[turns[i]] = i;
            }
        }

        private static double Median(IEnumerable<double> values)
        {
            var sorted = values.Order().ToList();
            return sorted.Count == 0 ? 0 : sorted[sorted.Count / 2];
        }
    }

    private Run Measure(int cpu, int threads)
    {
        var slices = new List<Slice>[threads];
        int satisfied = 0; // threads that have had their turns
        double kernelSliceMs = 0;
        var result = RunTogether($"ipckit-demo-timeslice-{threads}", [.. Enumerable.Repeat(cpu, threads)], t =>
        {
            var mine = new long[MaxSlices * 2];
            int n = 0;
            long start = Stopwatch.GetTimestamp(), last = start;
            long minEnd = start + (long)(Duration.TotalSeconds * Stopwatch.Frequency);
            long maxEnd = start + (long)(MaxDuration.TotalSeconds * Stopwatch.Frequency);
            bool mineDone = false;
            while (last < maxEnd && (last < minEnd || Volatile.Read(ref satisfied) < threads))
            {
                if (!mineDone && n / 2 >= TurnsEach + 1) // + 1: the first slice is cut by the start, not by the scheduler
                {
                    mineDone = true;
                    Interlocked.Increment(ref satisfied);
                }

                long now = Stopwatch.GetTimestamp();
                if (now - last > GapTicks && n < mine.Length - 2)
                {
                    mine[n++] = start;
                    mine[n++] = last;
                    start = now;
                }

                last = now;
            }

            mine[n++] = start;
            mine[n++] = last;
            slices[t] = [.. Enumerable.Range(0, n / 2).Select(i => new Slice(t, mine[2 * i], mine[(2 * i) + 1]))];
            if (t == 0)
            {
                kernelSliceMs = KernelSliceMs();
            }
        });

        // A thread's first and last slices are cut by the start and the end of the run, not by the scheduler.
        var all = slices.SelectMany(s => s.Count > 2 ? s.Skip(1).SkipLast(1) : s).OrderBy(s => s.Start).ToList();
        return new Run(all, result.Threads.Sum(t => t.Involuntary), result.Threads.Sum(t => t.Voluntary), kernelSliceMs);
    }

    /// <summary>The slice the scheduler gives this thread (EEVDF's se.slice), in ms; 0 where the kernel does not say.</summary>
    private static double KernelSliceMs()
    {
        try
        {
            foreach (string line in File.ReadLines("/proc/thread-self/sched"))
            {
                if (line.StartsWith("se.slice", StringComparison.Ordinal))
                {
                    return Math.Round(double.Parse(line[(line.IndexOf(':') + 1)..].Trim(), CultureInfo.InvariantCulture) / 1e6, 3);
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
        }

        return 0;
    }

    private static string Timeline(Run run, int count)
    {
        var text = new StringBuilder();
        Slice? previous = null;
        foreach (var s in run.Slices.Take(count))
        {
            if (previous is not null && (s.Start - previous.End) * 1000.0 / Stopwatch.Frequency > 0.2)
            {
                text.Append(CultureInfo.CurrentCulture, $".. {(s.Start - previous.End) * 1000.0 / Stopwatch.Frequency:0.0}  ");
            }

            text.Append(CultureInfo.CurrentCulture, $"{(char)('A' + s.Thread)} {s.Ms:0.0}  ");
            previous = s;
        }

        return text.ToString().TrimEnd();
    }

    private static string[] Row(string label, Run r) =>
    [
        label, N(r.Turns), N(r.MedianSliceMs, "0.00"), N(r.MedianOthersBetweenTurns, "0"), N(r.MedianWaitMs, "0.00"), N(r.Involuntary),
    ];

    private static JsonObject Figures(Run r) => new()
    {
        ["turns"] = r.Turns,
        ["medianSliceMs"] = Math.Round(r.MedianSliceMs, 3),
        ["medianWaitBetweenTurnsMs"] = Math.Round(r.MedianWaitMs, 3),
        ["alternation"] = Math.Round(r.Alternation, 3),
        ["othersBetweenTurns"] = r.MedianOthersBetweenTurns,
        ["involuntarySwitches"] = r.Involuntary,
        ["voluntarySwitches"] = r.Voluntary,
        ["firstTurns"] = new JsonArray([.. r.Slices.Take(12).Select(s => JsonValue.Create($"{(char)('A' + s.Thread)} {s.Ms.ToString("0.00", CultureInfo.InvariantCulture)}"))]),
    };
}
