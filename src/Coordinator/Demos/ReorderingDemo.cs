using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using IpcKit.Protocol;
using static IpcKit.Coordinator.Demos.DemoKit;

namespace IpcKit.Coordinator.Demos;

/// <summary>
/// Memory consistency: the store-buffering litmus test. Thread 1 runs <c>x = 1; r1 = y</c>, thread 2 <c>y = 1; r2 = x</c>.
/// In any interleaving at least one of them sees the other's store, yet on x86 both can read 0: each store waits in its
/// core's store buffer while the load after it goes ahead. A full fence between the store and the load forbids it.
/// </summary>
internal sealed class ReorderingDemo : IDemo
{
    /// <summary>How long each variant runs.</summary>
    public TimeSpan Duration { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>The two CPUs to use; by default the first two this process may run on.</summary>
    public IReadOnlyList<int>? Cpus { get; init; }

    public string Name => "reordering";

    public string Summary => "Memory consistency: the store-buffering litmus test (x = 1; r1 = y against y = 1; r2 = x) reads r1 == r2 == 0 on x86; a full fence forbids it.";

    public static string Claim =>
        "With plain fields, x = 1; r1 = y on one CPU and y = 1; r2 = x on another sometimes both read 0, an outcome no interleaving "
        + "allows, because each store waits in a store buffer while the load passes it; with a full fence between them it never happens.";

    public Task<DemoResult> RunAsync(DemoOutput output, CancellationToken cancellationToken)
    {
        var cpus = Cpus ?? Affinity.AllowedCpus();
        output.Say("Thread 1 runs  x = 1; r1 = y;   and thread 2 runs  y = 1; r2 = x;  with x and y both 0 before, again and again,");
        output.Say("pinned to two CPUs, a cheap spin barrier between rounds. Take the instructions in any order you like: whoever");
        output.Say("stores second has already seen the first store, so at least one of r1 and r2 is 1. 'Both 0' cannot happen if");
        output.Say("memory did exactly what the program says, one instruction at a time.");
        output.Say();
        if (cpus.Count < 2)
        {
            output.Say("This process may use only one CPU. On one core the store buffer is drained before another thread runs, so");
            output.Say("the outcome cannot appear: run it with two CPUs (for example `taskset -c 0,1 ./ipckit demo reordering`).");
            return Task.FromResult(new DemoResult(Name, Claim, false, "Did not run: the litmus test needs two CPUs and this process may use one.",
                new JsonObject { ["skipped"] = "one CPU only" }));
        }

        var plain = Litmus.Run(cpus[0], cpus[1], Duration, Litmus.Mode.Plain);
        cancellationToken.ThrowIfCancellationRequested();
        var volatiles = Litmus.Run(cpus[0], cpus[1], Duration, Litmus.Mode.Volatile);
        cancellationToken.ThrowIfCancellationRequested();
        var fenced = Litmus.Run(cpus[0], cpus[1], Duration, Litmus.Mode.Fence);

        output.Table(
            ["", "rounds", "r1=0 r2=1", "r1=1 r2=0", "r1=1 r2=1", "r1=0 r2=0", "per million"],
            [
                Row("plain fields", plain),
                Row("Volatile.Write, then Volatile.Read", volatiles),
                Row("Interlocked.MemoryBarrier() between", fenced),
            ]);
        output.Say();
        output.Say($"With plain fields both threads read 0 in {plain.BothZero:N0} of {plain.Rounds:N0} rounds. Each core puts its store into its store buffer");
        output.Say("and goes on to the load, which reads the cache before the store has left the buffer: to the other core the");
        output.Say("store happened after the load. x86 allows exactly this one reordering (a store followed by a load of another");
        output.Say($"address). Volatile does not prevent it ({volatiles.BothZero:N0} times): a volatile write may still pass a later volatile read. A full fence");
        output.Say($"(MFENCE, or any Interlocked operation) drains the buffer before the load: {fenced.BothZero} times. Locks contain such fences,");
        output.Say("which is why code that shares memory under a lock never sees this; code that shares it without one can.");

        bool held = plain.BothZero > 0 && fenced.BothZero == 0 && fenced.Rounds > 0;
        string verdict = (held ? "Held: " : "Did not hold on this run: ")
            + $"both loads read 0 in {plain.BothZero:N0} of {plain.Rounds:N0} rounds with plain fields, {volatiles.BothZero:N0} of {volatiles.Rounds:N0} with Volatile, "
            + $"and {fenced.BothZero} of {fenced.Rounds:N0} with a full fence.";
        var figures = new JsonObject
        {
            ["cpus"] = new JsonArray(cpus[0], cpus[1]),
            ["plain"] = Figures(plain),
            ["volatile"] = Figures(volatiles),
            ["fence"] = Figures(fenced),
            ["loadAverage"] = LoadAverage(),
        };
        return Task.FromResult(new DemoResult(Name, Claim, held, verdict, figures));
    }

    private static string[] Row(string label, Litmus.Tally t) =>
        [label, N(t.Rounds), N(t.OnlySecondSaw), N(t.OnlyFirstSaw), N(t.BothSaw), N(t.BothZero), N(t.BothZero * 1e6 / Math.Max(1, t.Rounds), "0.0")];

    private static JsonObject Figures(Litmus.Tally t) => new()
    {
        ["rounds"] = t.Rounds,
        ["bothZero"] = t.BothZero,
        ["r1ZeroR2One"] = t.OnlySecondSaw,
        ["r1OneR2Zero"] = t.OnlyFirstSaw,
        ["bothOne"] = t.BothSaw,
    };
}

/// <summary>The litmus test itself: two pinned threads, plain fields on separate cache lines, a spin barrier per round.</summary>
internal static class Litmus
{
    public enum Mode
    {
        Plain,
        Volatile,
        Fence,
    }

    public sealed record Tally(long Rounds, long BothZero, long OnlySecondSaw, long OnlyFirstSaw, long BothSaw);

    public static Tally Run(int cpuA, int cpuB, TimeSpan duration, Mode mode)
    {
        var s = new Shared();
        var counts = new long[4]; // index r1 * 2 + r2
        long rounds = 0;
        long end = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var a = Start("ipckit-demo-litmus-1", cpuA, () =>
        {
            var barrier = new SpinBarrier.Side(s.Barrier);
            uint random = 12345;
            while (true)
            {
                if ((rounds & 255) == 0 && Stopwatch.GetTimestamp() > end)
                {
                    s.Stop = 1;
                }

                barrier.Arrive();
                if (s.Stop != 0)
                {
                    return;
                }

                Delay(ref random);
                long r1;
                switch (mode)
                {
                    case Mode.Plain:
                        s.Cells.X = 1;
                        r1 = s.Cells.Y;
                        break;
                    case Mode.Volatile:
                        Volatile.Write(ref s.Cells.X, 1);
                        r1 = Volatile.Read(ref s.Cells.Y);
                        break;
                    default:
                        s.Cells.X = 1;
                        Interlocked.MemoryBarrier();
                        r1 = s.Cells.Y;
                        break;
                }

                barrier.Arrive(); // thread 2 has stored its r2
                counts[(r1 * 2) + s.Cells.R2]++;
                rounds++;
                s.Cells.X = 0;
                s.Cells.Y = 0; // published to thread 2 by the next Arrive, which is an interlocked operation
            }
        });
        var b = Start("ipckit-demo-litmus-2", cpuB, () =>
        {
            var barrier = new SpinBarrier.Side(s.Barrier);
            uint random = 67890;
            while (true)
            {
                barrier.Arrive();
                if (s.Stop != 0)
                {
                    return;
                }

                Delay(ref random);
                switch (mode)
                {
                    case Mode.Plain:
                        s.Cells.Y = 1;
                        s.Cells.R2 = s.Cells.X;
                        break;
                    case Mode.Volatile:
                        Volatile.Write(ref s.Cells.Y, 1);
                        s.Cells.R2 = Volatile.Read(ref s.Cells.X);
                        break;
                    default:
                        s.Cells.Y = 1;
                        Interlocked.MemoryBarrier();
                        s.Cells.R2 = s.Cells.X;
                        break;
                }

                barrier.Arrive();
            }
        });
        JoinAll([a, b], "litmus");
        return new Tally(rounds, counts[0], counts[1], counts[2], counts[3]);
    }

    /// <summary>
    /// A few random steps of busy work, so that the two threads' stores and loads meet at varying offsets: leaving the
    /// barrier, one thread is always a little ahead, and without the jitter they would rarely overlap.
    /// </summary>
    private static void Delay(ref uint random)
    {
        random ^= random << 13;
        random ^= random >> 17;
        random ^= random << 5;
        for (uint i = random & 15; i > 0; i--)
        {
            Thread.SpinWait(1);
        }
    }

    private sealed class Shared
    {
        public Cells Cells;
        public readonly SpinBarrier Barrier = new();
        public volatile int Stop;
    }

    /// <summary>x, y and r2 on cache lines of their own, so that only the store buffer, not false sharing, is measured.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 256)]
    private struct Cells
    {
        [FieldOffset(64)] public long X;
        [FieldOffset(128)] public long Y;
        [FieldOffset(192)] public long R2;
    }
}

/// <summary>
/// A barrier for exactly two threads that spins instead of sleeping (a sleeping barrier costs microseconds per round).
/// It yields the CPU after a while, in case the other thread was preempted. Each arrival is an interlocked operation,
/// so everything written before it is visible to the other thread after it. Hand-written: Barrier and
/// SpinWait-based primitives in the BCL fall back to sleeping far sooner.
/// </summary>
internal sealed class SpinBarrier
{
    private int _waiting;
    private volatile int _sense;

    public sealed class Side(SpinBarrier barrier)
    {
        private int _sense;

        public void Arrive()
        {
            _sense ^= 1;
            if (Interlocked.Increment(ref barrier._waiting) == 2)
            {
                barrier._waiting = 0;
                barrier._sense = _sense;
                return;
            }

            for (int spins = 0; barrier._sense != _sense; spins++)
            {
                if (spins > 100_000)
                {
                    Thread.Yield();
                    spins = 0;
                }
            }
        }
    }
}
