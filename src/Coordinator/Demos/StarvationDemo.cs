using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using IpcKit.Coordinator.Running;
using IpcKit.Protocol;

namespace IpcKit.Coordinator.Demos;

/// <summary>
/// Cooperative scheduling: on a scheduler with one thread, a task that computes without awaiting holds up every other
/// task; one that awaits <see cref="Task.Yield"/> now and then lets them run; a computation on a thread of its own is
/// preempted by the OS, and the others keep time even on the same CPU.
/// </summary>
internal sealed class StarvationDemo : IDemo
{
    private static readonly TimeSpan StepTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan Slice = TimeSpan.FromMilliseconds(0.05);
    private static double s_sink;

    /// <summary>How long the computation runs in each variant.</summary>
    public TimeSpan Computation { get; init; } = TimeSpan.FromMilliseconds(200);

    public string Name => "starvation";

    public string Summary => "A task that computes without awaiting stops a 1 ms ticker on the same cooperative thread; yielding lets it tick; an OS thread is preempted.";

    public static string Claim =>
        "On a cooperative scheduler a task that never awaits holds up every other task for as long as it computes; awaiting Task.Yield() "
        + "in its loop gives the others their turns; on a thread of its own the OS preempts it and the others keep time.";

    public async Task<DemoResult> RunAsync(DemoOutput output, CancellationToken cancellationToken)
    {
        int cpu = Affinity.AllowedCpus()[0];
        output.Say($"A ticker task wants to run every 1 ms (await Task.Delay(1)) on a scheduler with one thread, pinned to CPU {cpu}.");
        output.Say($"Meanwhile a computation runs for {Computation.TotalMilliseconds:0} ms, three ways:");
        output.Say();

        var blocking = await MeasureAsync(cpu, (s, span) => s.Run(() =>
        {
            Compute(Computation, span);
            return Task.CompletedTask;
        }));
        cancellationToken.ThrowIfCancellationRequested();
        var yielding = await MeasureAsync(cpu, (s, span) => s.Run(() => ComputeYieldingAsync(Computation, span)));
        cancellationToken.ThrowIfCancellationRequested();
        var thread = await MeasureAsync(cpu, (_, span) => PinnedThread.Run(cpu, () =>
        {
            Compute(Computation, span);
            return true;
        }));

        var rows = new (string Key, string Label, Lag Lag)[]
        {
            ("blocking", "a task on the ticker's thread, never awaiting", blocking),
            ("yielding", "a task on the ticker's thread, await Task.Yield() every 50 µs", yielding),
            ("ownThread", $"its own thread, on the same CPU {cpu}", thread),
        };
        output.Table(
            ["computation", "length ms", "ticks during it", "ticker's worst gap ms"],
            [.. rows.Select(r => new[] { r.Label, Ms(r.Lag.Computation), r.Lag.TicksDuring.ToString(CultureInfo.CurrentCulture), Ms(r.Lag.WorstGap) })]);
        output.Say();
        output.Say("Never awaiting, the computation keeps the only thread until it is done: no other task can run, so the");
        output.Say("ticker misses every beat and its gap is as long as the computation. Nothing can take the thread away,");
        output.Say("because cooperative multitasking relies on each task giving it back. Awaiting Task.Yield() puts the rest of");
        output.Say("the loop at the back of the queue, and the ticker's turn comes in between. On a thread of its own the");
        output.Say("computation gives nothing back, yet the OS scheduler preempts it whenever the ticker's thread wakes:");
        output.Say("preemptive multitasking, even with both on one CPU.");

        // The signature of starvation is no tick at all during the computation; a busy machine can stretch the other
        // gaps (it preempts the scheduler's thread too), so they are compared with the starved gap, not with 1 ms.
        bool held = blocking.WorstGap >= blocking.Computation && blocking.TicksDuring == 0
                    && yielding.TicksDuring > 0 && yielding.WorstGap < blocking.WorstGap
                    && thread.TicksDuring > 0 && thread.WorstGap < blocking.WorstGap;
        string verdict = (held ? "Held: " : "Did not hold on this run: ")
            + $"the ticker's worst gap was {Ms(blocking.WorstGap)} ms behind a {Ms(blocking.Computation)} ms computation that never awaited, "
            + $"{Ms(yielding.WorstGap)} ms when it yielded and {Ms(thread.WorstGap)} ms when it ran on its own thread.";
        var figures = new JsonObject { ["cpu"] = cpu, ["tickerPeriodMs"] = 1 };
        foreach (var (key, label, lag) in rows)
        {
            figures[key] = new JsonObject
            {
                ["label"] = label,
                ["computationMs"] = Math.Round(lag.Computation.TotalMilliseconds, 2),
                ["ticksDuring"] = lag.TicksDuring,
                ["worstGapMs"] = Math.Round(lag.WorstGap.TotalMilliseconds, 2),
            };
        }

        return new DemoResult(Name, Claim, held, verdict, figures);
    }

    private static string Ms(TimeSpan t) => t.TotalMilliseconds.ToString("0.0", CultureInfo.CurrentCulture);

    /// <summary>Starts a ticker on a fresh one-thread scheduler, runs the computation, and reports what the ticker saw.</summary>
    private static async Task<Lag> MeasureAsync(int cpu, Func<SingleThreadScheduler, Interval, Task> computation)
    {
        using var scheduler = new SingleThreadScheduler("ipckit-demo-ticker", cpu);
        var ticker = new Ticker();
        var ticking = scheduler.Run(ticker.RunAsync);
        await ticker.WaitForTicksAsync(5).WaitAsync(StepTimeout); // ticking steadily before the computation starts

        var span = new Interval();
        await computation(scheduler, span).WaitAsync(StepTimeout);

        await ticker.WaitForTicksAsync(5).WaitAsync(StepTimeout); // and ticking again afterwards
        ticker.Stop();
        await ticking.WaitAsync(StepTimeout);
        return ticker.Report(span.Start, span.End);
    }

    /// <summary>Computes for <paramref name="length"/> of wall time without ever giving the thread back.</summary>
    private static void Compute(TimeSpan length, Interval span)
    {
        span.Start = Stopwatch.GetTimestamp();
        long end = span.Start + (long)(length.TotalSeconds * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < end)
        {
            Work();
        }

        span.End = Stopwatch.GetTimestamp();
    }

    /// <summary>The same computation in slices of about 50 µs, awaiting Task.Yield() after each.</summary>
    private static async Task ComputeYieldingAsync(TimeSpan length, Interval span)
    {
        span.Start = Stopwatch.GetTimestamp();
        long end = span.Start + (long)(length.TotalSeconds * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < end)
        {
            long sliceEnd = Stopwatch.GetTimestamp() + (long)(Slice.TotalSeconds * Stopwatch.Frequency);
            while (Stopwatch.GetTimestamp() < sliceEnd)
            {
                Work();
            }

            await Task.Yield();
        }

        span.End = Stopwatch.GetTimestamp();
    }

    private static void Work()
    {
        double x = s_sink;
        for (int i = 0; i < 64; i++)
        {
            x = Math.Sqrt(x + i);
        }

        s_sink = x;
    }

    /// <summary>When the computation started and ended, as it saw it (Stopwatch timestamps).</summary>
    private sealed class Interval
    {
        public long Start { get; set; }

        public long End { get; set; }
    }

    /// <param name="Computation">How long the computation ran (wall time).</param>
    /// <param name="TicksDuring">Ticks the ticker managed while it ran.</param>
    /// <param name="WorstGap">The longest time between two ticks (1 ms when all is well).</param>
    private sealed record Lag(TimeSpan Computation, int TicksDuring, TimeSpan WorstGap);

    /// <summary>A task that records the time of every tick; runs on the scheduler under test.</summary>
    private sealed class Ticker
    {
        private readonly Lock _gate = new();
        private readonly List<long> _ticks = [];
        private TaskCompletionSource? _waiter;
        private int _waitFor;
        private volatile bool _stop;

        public async Task RunAsync()
        {
            Add(Stopwatch.GetTimestamp());
            while (!_stop)
            {
                await Task.Delay(1);
                Add(Stopwatch.GetTimestamp());
            }
        }

        public void Stop() => _stop = true;

        /// <summary>Completes once <paramref name="more"/> further ticks have happened.</summary>
        public Task WaitForTicksAsync(int more)
        {
            lock (_gate)
            {
                _waitFor = _ticks.Count + more;
                _waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                return _waiter.Task;
            }
        }

        public Lag Report(long start, long end)
        {
            lock (_gate)
            {
                long worst = _ticks.Zip(_ticks.Skip(1), (a, b) => b - a).Max();
                int during = _ticks.Count(t => t > start && t < end);
                return new Lag(Stopwatch.GetElapsedTime(start, end), during, TimeSpan.FromSeconds((double)worst / Stopwatch.Frequency));
            }
        }

        private void Add(long timestamp)
        {
            lock (_gate)
            {
                _ticks.Add(timestamp);
                if (_waiter is not null && _ticks.Count >= _waitFor)
                {
                    _waiter.SetResult();
                    _waiter = null;
                }
            }
        }
    }
}
