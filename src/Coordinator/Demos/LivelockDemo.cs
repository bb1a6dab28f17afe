using System.Diagnostics;
using System.Text.Json.Nodes;
using static IpcKit.Coordinator.Demos.DemoKit;

namespace IpcKit.Coordinator.Demos;

/// <summary>
/// Livelock: two threads that each need two locks and, to avoid the deadlock demo's trap, politely let go of the first
/// when the second is taken and try again. Moving in step, they collide on every attempt for ever: busy, and no
/// progress. A random back-off breaks the symmetry and both get through.
/// </summary>
internal sealed class LivelockDemo : IDemo
{
    /// <summary>How long each variant runs at least.</summary>
    public TimeSpan Duration { get; init; } = TimeSpan.FromMilliseconds(300);

    /// <summary>
    /// The rounds each variant runs at least, after <see cref="Duration"/> and within <see cref="MaxDuration"/>: every
    /// round wakes both threads three times, and on a busy machine that can take tens of milliseconds, so a fixed time
    /// alone could end the run after a handful of attempts, too few to show that the collisions go on.
    /// </summary>
    public int MinRounds { get; init; } = 100;

    /// <summary>How long each variant runs at most, whatever <see cref="MinRounds"/> asks.</summary>
    public TimeSpan MaxDuration { get; init; } = TimeSpan.FromSeconds(10);

    public string Name => "livelock";

    public string Summary => "Busy without progress: two threads that politely let go of a lock when the other holds the next one retry for ever; a random back-off resolves it.";

    public static string Claim =>
        "Two threads that each take one lock and politely release it when the other holds the lock they need next, then retry after the "
        + "same pause, can retry for ever without either completing (a livelock); a random pause breaks the symmetry and both complete.";

    public Task<DemoResult> RunAsync(DemoOutput output, CancellationToken cancellationToken)
    {
        output.Say("Thread 1 needs lock A, then lock B; thread 2 needs B, then A: the deadlock demo's pair. This time neither waits:");
        output.Say("each takes its first lock, tries the second without waiting (Lock.TryEnter()), and if it is taken, politely");
        output.Say("lets go of the first, pauses, and tries again. A barrier moves the two in step, round by round, the way two");
        output.Say("people in a corridor mirror each other: reach for the first lock, reach for the second, let go, pause.");
        output.Say();

        var fixedPause = Run(_ => 1);
        cancellationToken.ThrowIfCancellationRequested();
        var randomPause = Run(_ => Random.Shared.Next(0, 4));

        output.Table(
            ["pause after a collision", "rounds", "attempts", "completed", "CPU ms"],
            [Row("the same: 1 round", fixedPause), Row("random: 0-3 rounds", randomPause)]);
        output.Say();
        output.Say($"With the same pause, the two came back together every time: {fixedPause.Attempts[0]:N0} and {fixedPause.Attempts[1]:N0} attempts, and not one");
        output.Say("completed. Unlike a deadlock nothing is stuck; the threads are busy, their CPU time grows, and they get");
        output.Say("nowhere. Real programs rarely move in such perfect step, so a livelock comes and goes with the timing, and");
        output.Say($"that makes it hard to find. With a random pause one of them soon tries alone and gets both locks: {randomPause.Completed[0]:N0} and");
        output.Say($"{randomPause.Completed[1]:N0} completions. Ethernet's back-off after a collision works the same way.");

        bool held = fixedPause.Completed.Sum() == 0 && fixedPause.Attempts.Min() >= 10 && randomPause.Completed.Min() > 0;
        string verdict = (held ? "Held: " : "Did not hold on this run: ")
            + $"with the same pause the threads made {fixedPause.Attempts.Sum():N0} attempts in {fixedPause.Rounds:N0} rounds and completed {fixedPause.Completed.Sum()}; "
            + $"with a random pause they completed {randomPause.Completed.Sum():N0} in {randomPause.Rounds:N0} rounds.";
        var figures = new JsonObject
        {
            ["fixedPause"] = Figures(fixedPause),
            ["randomPause"] = Figures(randomPause),
        };
        return Task.FromResult(new DemoResult(Name, Claim, held, verdict, figures));
    }

    private sealed record Outcome(long Rounds, long[] Attempts, long[] Completed, long CpuNs);

    private static string[] Row(string label, Outcome o) =>
        [label, N(o.Rounds), N(o.Attempts.Sum()), N(o.Completed.Sum()), N(o.CpuNs / 1e6)];

    private static JsonObject Figures(Outcome o) => new()
    {
        ["rounds"] = o.Rounds,
        ["attempts"] = new JsonArray(o.Attempts[0], o.Attempts[1]),
        ["completed"] = new JsonArray(o.Completed[0], o.Completed[1]),
        ["cpuMs"] = Ms(o.CpuNs),
    };

    /// <summary>
    /// Runs the two polite threads in rounds of three steps, a barrier after each: take the first lock; try the second;
    /// let go. <paramref name="pause"/> says how many rounds a thread sits out after a collision.
    /// </summary>
    private Outcome Run(Func<int, int> pause)
    {
        var locks = new[] { new Lock(), new Lock() };
        long start = Stopwatch.GetTimestamp();
        bool stop = false;
        long rounds = 0;
        // The barrier's post-phase action runs once per step, while both threads wait: both see the same stop decision.
        using var barrier = new Barrier(2, b =>
        {
            if (b.CurrentPhaseNumber % 3 == 2)
            {
                rounds++;
                var elapsed = Stopwatch.GetElapsedTime(start);
                stop = (elapsed >= Duration && rounds >= MinRounds) || elapsed >= MaxDuration;
            }
        });
        var attempts = new long[2];
        var completed = new long[2];
        var result = RunTogether("ipckit-demo-livelock", [-1, -1], me =>
        {
            var first = locks[me];
            var second = locks[1 - me];
            int sitOut = 0;
            while (!Volatile.Read(ref stop))
            {
                bool holding = false, got = false;
                if (sitOut == 0)
                {
                    first.Enter();
                    holding = true;
                }

                Step(barrier);
                if (holding)
                {
                    attempts[me]++;
                    got = second.TryEnter();
                    if (got)
                    {
                        completed[me]++; // both locks held: the work that needed them would go here
                        second.Exit();
                    }
                }

                Step(barrier);
                if (holding)
                {
                    first.Exit();
                    sitOut = got ? 0 : pause(me);
                }
                else
                {
                    sitOut--;
                }

                Step(barrier);
            }
        });
        return new Outcome(rounds, attempts, completed, result.CpuNs);
    }

    private static void Step(Barrier barrier)
    {
        if (!barrier.SignalAndWait(JoinTimeout))
        {
            throw new TimeoutException($"A livelock thread did not reach the barrier within {JoinTimeout.TotalSeconds:0} s.");
        }
    }
}
