using System.Diagnostics;
using System.Text.Json.Nodes;

namespace IpcKit.Coordinator.Demos;

/// <summary>
/// Two threads that take two locks in opposite orders wait for each other for ever. A watchdog notices; the threads,
/// which wait with a timeout, give up and release their locks, so the process never hangs. Taking the locks in one
/// order cures it.
/// </summary>
internal sealed class DeadlockDemo : IDemo
{
    private static readonly TimeSpan JoinTimeout = TimeSpan.FromSeconds(10);

    /// <summary>How long the watchdog waits for both threads before it calls it a deadlock.</summary>
    public TimeSpan DetectAfter { get; init; } = TimeSpan.FromMilliseconds(300);

    /// <summary>How long each thread waits for its second lock before it gives up. Longer than <see cref="DetectAfter"/>.</summary>
    public TimeSpan GiveUpAfter { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How many times each thread takes both locks in the ordered run.</summary>
    public int OrderedRounds { get; init; } = 100_000;

    public string Name => "deadlock";

    public string Summary => "Two threads take two locks in opposite orders and wait for each other for ever; a watchdog detects it; one lock order completes.";

    public static string Claim =>
        "Two threads that take two locks in opposite orders can each hold one and wait for the other for ever; with one lock order for everyone, they cannot.";

    public Task<DemoResult> RunAsync(DemoOutput output, CancellationToken cancellationToken)
    {
        var a = new Lock();
        var b = new Lock();
        output.Say("Thread 1 takes lock A, then wants lock B. Thread 2 takes lock B, then wants lock A. A barrier makes sure");
        output.Say("each holds its first lock before it reaches for the second (without it the same code deadlocks only now");
        output.Say("and then, which is worse).");

        // Opposite orders.
        var state = new string[2];
        var events = new List<string>(); // in the order they happened: each is logged while its thread still holds what it names
        bool[] got = [false, false];
        void Log(int who, string what)
        {
            Volatile.Write(ref state[who], what);
            lock (events)
            {
                events.Add($"thread {who + 1} {what}");
            }
        }

        using var barrier = new Barrier(2);
        void Take(int who, Lock first, string firstName, Lock second, string secondName)
        {
            first.Enter();
            try
            {
                Log(who, $"holds {firstName}, waits for {secondName}");
                barrier.SignalAndWait((int)JoinTimeout.TotalMilliseconds, CancellationToken.None);
                got[who] = second.TryEnter(GiveUpAfter); // a plain lock would wait here for ever
                if (got[who])
                {
                    second.Exit();
                    Log(who, $"got {secondName} at last and finished");
                }
                else
                {
                    Log(who, $"gave up waiting for {secondName} and released {firstName}"); // logged just before the release
                }
            }
            finally
            {
                first.Exit();
            }
        }

        long start = Stopwatch.GetTimestamp();
        var t1 = StartThread("ipckit-demo-deadlock-1", () => Take(0, a, "A", b, "B"));
        var t2 = StartThread("ipckit-demo-deadlock-2", () => Take(1, b, "B", a, "A"));
        bool finished = t1.Join(DetectAfter) & t2.Join(Remaining(start, DetectAfter));
        double watchedMs = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        string seen1 = Volatile.Read(ref state[0]) ?? "not started", seen2 = Volatile.Read(ref state[1]) ?? "not started";
        bool detected = !finished && seen1 == "holds A, waits for B" && seen2 == "holds B, waits for A";
        output.Say();
        output.Say($"Watchdog, after {watchedMs:0} ms: {(finished ? "both threads finished" : "neither thread has finished")}.");
        output.Say($"  thread 1 {seen1}");
        output.Say($"  thread 2 {seen2}");
        if (detected)
        {
            output.Say("Each waits for a lock the other holds, and neither lets go: a deadlock. Nothing will change by itself;");
            output.Say("with the `lock` statement these threads would hang for ever (and the process with them, were they not");
            output.Say($"background threads). Here they wait with Lock.TryEnter({GiveUpAfter.TotalSeconds:0.#} s): the first to time out gives up and");
            output.Say("releases its lock, which lets the other through. (Databases break deadlocks the same way: one victim aborts.)");
        }

        bool ended = t1.Join(GiveUpAfter + JoinTimeout) & t2.Join(GiveUpAfter + JoinTimeout);
        bool gaveUp = ended && (!got[0] || !got[1]);
        bool locksFree = ended && TryTakeBoth(a, b);
        List<string> log;
        lock (events)
        {
            log = [.. events];
        }

        foreach (string e in log.Skip(2)) // the first two, holding and waiting, were shown by the watchdog
        {
            output.Say($"  {e}");
        }

        output.Say($"Both locks are {(locksFree ? "free again" : "STILL HELD")}, {Stopwatch.GetElapsedTime(start).TotalMilliseconds:0} ms after the start, and the process carries on.");
        cancellationToken.ThrowIfCancellationRequested();

        // One order for everyone: A before B.
        output.Say();
        int rounds = OrderedRounds;
        void Ordered()
        {
            for (int i = 0; i < rounds; i++)
            {
                lock (a)
                {
                    lock (b)
                    {
                        // Both held: the work that needed them both would go here.
                    }
                }
            }
        }

        long orderedStart = Stopwatch.GetTimestamp();
        var o1 = StartThread("ipckit-demo-ordered-1", Ordered);
        var o2 = StartThread("ipckit-demo-ordered-2", Ordered);
        bool orderedCompleted = o1.Join(JoinTimeout) & o2.Join(JoinTimeout);
        double orderedMs = Stopwatch.GetElapsedTime(orderedStart).TotalMilliseconds;
        output.Say($"The cure is one order: both threads take A, then B, {rounds:N0} times each. "
                   + (orderedCompleted ? $"Done in {orderedMs:0} ms, no hang:" : $"NOT done after {JoinTimeout.TotalSeconds:0} s:"));
        output.Say("a thread holding B has always taken A first, so no one can hold B and wait for A, and the cycle cannot form.");

        bool held = detected && gaveUp && locksFree && orderedCompleted;
        string verdict = held
            ? $"Held: the opposite orders deadlocked (detected after {watchedMs:0} ms; a timed-out thread gave up and both ended); one order ran {2 * rounds:N0} rounds in {orderedMs:0} ms."
            : $"Did not hold on this run: deadlock detected {detected}, broken by a timeout {gaveUp}, locks free {locksFree}, ordered run completed {orderedCompleted}.";
        var figures = new JsonObject
        {
            ["deadlockDetected"] = detected,
            ["detectedAfterMs"] = Math.Round(watchedMs, 1),
            ["thread1"] = seen1,
            ["thread2"] = seen2,
            ["brokenByTimeout"] = gaveUp,
            ["thread1Finally"] = Volatile.Read(ref state[0]),
            ["thread2Finally"] = Volatile.Read(ref state[1]),
            ["events"] = new JsonArray([.. log.Select(e => JsonValue.Create(e))]),
            ["giveUpAfterMs"] = GiveUpAfter.TotalMilliseconds,
            ["locksFreeAfterwards"] = locksFree,
            ["orderedCompleted"] = orderedCompleted,
            ["orderedRoundsPerThread"] = rounds,
            ["orderedMs"] = Math.Round(orderedMs, 1),
        };
        return Task.FromResult(new DemoResult(Name, Claim, held, verdict, figures));
    }

    private static Thread StartThread(string name, Action body)
    {
        var thread = new Thread(() => body()) { IsBackground = true, Name = name };
        thread.Start();
        return thread;
    }

    private static TimeSpan Remaining(long start, TimeSpan total)
    {
        var left = total - Stopwatch.GetElapsedTime(start);
        return left > TimeSpan.Zero ? left : TimeSpan.Zero;
    }

    private static bool TryTakeBoth(Lock a, Lock b)
    {
        if (!a.TryEnter())
        {
            return false;
        }

        try
        {
            if (!b.TryEnter())
            {
                return false;
            }

            b.Exit();
            return true;
        }
        finally
        {
            a.Exit();
        }
    }
}
