using System.Text.Json.Nodes;
using IpcKit.Protocol;
using static IpcKit.Coordinator.Demos.DemoKit;

namespace IpcKit.Coordinator.Demos;

/// <summary>
/// Torn reads: a 16-byte struct written by one thread and read by another without a lock is not copied in one step,
/// so a read can see half of one write and half of the next. Under a lock, or published as a new immutable object
/// through one reference (copy-on-write), every read is whole.
/// </summary>
internal sealed class AtomicityDemo : IDemo
{
    /// <summary>How long each variant runs.</summary>
    public TimeSpan Duration { get; init; } = TimeSpan.FromMilliseconds(300);

    public string Name => "atomicity";

    public string Summary => "Torn reads: a 16-byte struct written by one thread and read by another without a lock mixes two writes; a lock or a copy-on-write reference never does.";

    public static string Claim =>
        "A 16-byte struct shared between threads without a lock is not read or written in one step: some reads mix two writes; "
        + "under a lock, or as an immutable object published through one reference, no read does.";

    public Task<DemoResult> RunAsync(DemoOutput output, CancellationToken cancellationToken)
    {
        var cpus = Affinity.AllowedCpus();
        int a = cpus[0], b = cpus.Count > 1 ? cpus[1] : cpus[0];
        output.Say("A writer thread stores Pair(i, i) for i = 1, 2, 3, ... into one shared field: a struct of two longs, 16 bytes. A");
        output.Say($"reader thread on another CPU copies the field over and over and checks that both halves agree. Each way runs {Duration.TotalMilliseconds:0} ms.");
        output.Say();

        var unlocked = Run(a, b, Duration, Way.Unlocked);
        cancellationToken.ThrowIfCancellationRequested();
        var locked = Run(a, b, Duration, Way.Locked);
        cancellationToken.ThrowIfCancellationRequested();
        var copyOnWrite = Run(a, b, Duration, Way.CopyOnWrite);

        output.Table(
            ["", "writes", "reads", "torn reads", "example"],
            [Row("struct field, no lock", unlocked), Row("struct field, lock", locked), Row("immutable object, one reference", copyOnWrite)]);
        output.Say();
        output.Say($"Without a lock {unlocked.Torn:N0} reads were torn: copying 16 bytes is not one indivisible step, and the writer's next");
        output.Say("store landed in the middle of the reader's copy (the example: one half from one write, one from the next).");
        output.Say(".NET promises atomic reads and writes only up to the size of a pointer (8 bytes here), for aligned fields;");
        output.Say("anything larger (a decimal, a Guid, a struct, or a long on a 32-bit machine) may tear.");
        output.Say("With a lock around each copy, reader and writer never overlap. Copy-on-write never overlaps either: the writer");
        output.Say("builds a new immutable object and publishes it with one reference store, which is atomic, and the reader follows");
        output.Say("one reference to an object nobody will change again. It allocates per write instead of taking a lock per read.");
        if (cpus.Count < 2)
        {
            output.Say("(This process may use one CPU only: the reader can see a torn value only when the writer is preempted between");
            output.Say("its two stores, which is rare.)");
        }

        bool held = unlocked.Torn > 0 && locked.Torn == 0 && copyOnWrite.Torn == 0 && locked.Reads > 0 && copyOnWrite.Reads > 0;
        string verdict = (held ? "Held: " : "Did not hold on this run: ")
            + $"{unlocked.Torn:N0} of {unlocked.Reads:N0} unlocked reads were torn; {locked.Torn} of {locked.Reads:N0} under a lock and "
            + $"{copyOnWrite.Torn} of {copyOnWrite.Reads:N0} through an immutable reference.";
        var figures = new JsonObject
        {
            ["structBytes"] = 16,
            ["unlocked"] = Figures(unlocked),
            ["locked"] = Figures(locked),
            ["copyOnWrite"] = Figures(copyOnWrite),
            ["loadAverage"] = LoadAverage(),
        };
        return Task.FromResult(new DemoResult(Name, Claim, held, verdict, figures));
    }

    private enum Way
    {
        Unlocked,
        Locked,
        CopyOnWrite,
    }

    private readonly record struct Pair(long First, long Second);

    private sealed record PairObject(long First, long Second);

    private sealed record Tally(long Writes, long Reads, long Torn, Pair Example);

    private static string[] Row(string label, Tally t) =>
        [label, N(t.Writes), N(t.Reads), N(t.Torn), t.Torn > 0 ? $"({t.Example.First:N0}, {t.Example.Second:N0})" : ""];

    private static JsonObject Figures(Tally t) => new()
    {
        ["writes"] = t.Writes,
        ["reads"] = t.Reads,
        ["torn"] = t.Torn,
        ["example"] = t.Torn > 0 ? $"({t.Example.First}, {t.Example.Second})" : null,
    };

    private sealed class Shared
    {
        public Pair Value;
        public PairObject Reference = new(0, 0);
        public readonly Lock Gate = new();
        public volatile bool Stop;
    }

    private static Tally Run(int writerCpu, int readerCpu, TimeSpan duration, Way way)
    {
        var s = new Shared();
        long writes = 0, reads = 0, torn = 0;
        Pair example = default;
        var writer = Start("ipckit-demo-atomicity-writer", writerCpu, () =>
        {
            long i = 0;
            while (!s.Stop)
            {
                i++;
                switch (way)
                {
                    case Way.Unlocked:
                        s.Value = new Pair(i, i);
                        break;
                    case Way.Locked:
                        lock (s.Gate)
                        {
                            s.Value = new Pair(i, i);
                        }

                        break;
                    default:
                        Volatile.Write(ref s.Reference, new PairObject(i, i));
                        break;
                }
            }

            writes = i;
        });
        var reader = Start("ipckit-demo-atomicity-reader", readerCpu, () =>
        {
            long n = 0, bad = 0;
            while (!s.Stop)
            {
                Pair p;
                switch (way)
                {
                    case Way.Unlocked:
                        p = s.Value;
                        break;
                    case Way.Locked:
                        lock (s.Gate)
                        {
                            p = s.Value;
                        }

                        break;
                    default:
                        var o = Volatile.Read(ref s.Reference);
                        p = new Pair(o.First, o.Second);
                        break;
                }

                n++;
                if (p.First != p.Second)
                {
                    bad++;
                    example = p;
                }
            }

            reads = n;
            torn = bad;
        });
        reader.Join(duration); // the two run meanwhile; this thread keeps the time
        s.Stop = true;
        JoinAll([writer, reader], "atomicity");
        return new Tally(writes, reads, torn, example);
    }
}
