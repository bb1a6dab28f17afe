using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json.Nodes;
using IpcKit.Protocol;
using IpcKit.Worker;
using static IpcKit.Coordinator.Demos.DemoKit;

namespace IpcKit.Coordinator.Demos;

/// <summary>
/// Work items of uneven size, split statically across dedicated threads, leave one thread busy long after the other
/// has finished; on the work-stealing thread pool an idle thread takes items from a busy one's queue and the busy time
/// evens out.
/// </summary>
internal sealed class WorkStealingDemo : IDemo
{
    /// <summary>How many work items; item i costs (Items - i) parts, so the first half holds three quarters of the work.</summary>
    public int Items { get; init; } = 200;

    /// <summary>About how much CPU time all the items take together.</summary>
    public TimeSpan Work { get; init; } = TimeSpan.FromMilliseconds(300);

    public string Name => "workstealing";

    public string Summary => "Stealing evens out uneven work: a static split leaves one thread with most of it; on the work-stealing pool idle threads take items from busy ones.";

    public static string Claim =>
        "Split statically, uneven work items leave one thread with most of the work while the other idles; on the work-stealing "
        + "thread pool idle threads take queued items from busy ones and the busy time evens out.";

    public async Task<DemoResult> RunAsync(DemoOutput output, CancellationToken cancellationToken)
    {
        var cpus = Affinity.AllowedCpus();
        int n = Math.Clamp(cpus.Count, 2, 4);
        long total = UnitsFor(cpus[0], Work);
        long part = Math.Max(1, total / ((long)Items * (Items + 1) / 2));
        long[] sizes = [.. Enumerable.Range(0, Items).Select(i => (Items - i) * part)];
        output.Say($"{Items} work items, the first ones largest (item i costs {Items} - i parts): {Work.TotalMilliseconds:0} ms of CPU in all. First a static");
        output.Say($"split: {n} dedicated threads, each given an equal number of consecutive items. Then the same items as tasks on the");
        output.Say("thread pool, all queued by one task: each pool thread takes from its own queue and, when that is empty, steals");
        output.Say("from another's. Busy time is the CPU time each thread spent on items, as the kernel counts it.");
        output.Say();

        var split = RunTogether("ipckit-demo-static", [.. Enumerable.Repeat(-1, n)], t =>
        {
            for (int i = t * Items / n; i < (t + 1) * Items / n; i++)
            {
                DemoWork.Run(sizes[i]);
            }
        });
        cancellationToken.ThrowIfCancellationRequested();
        var pool = await RunOnPoolAsync(sizes);

        var staticBusy = split.Threads.Select(t => t.CpuNs).ToList();
        var poolBusy = pool.Threads.Values.Select(t => t.CpuNs).OrderByDescending(c => c).ToList();
        double staticShare = staticBusy.Max() / (double)staticBusy.Sum();
        double poolShare = poolBusy.Max() / (double)poolBusy.Sum();
        output.Table(
            ["", "finished ms", "threads", "busiest thread ms", "least busy ms", "busiest thread's share"],
            [
                ["static split, dedicated threads", N(split.Wall.TotalMilliseconds), N(n), N(staticBusy.Max() / 1e6), N(staticBusy.Min() / 1e6), N(staticShare, "P0")],
                ["work-stealing thread pool", N(pool.Wall.TotalMilliseconds), N(poolBusy.Count), N(poolBusy[0] / 1e6), N(poolBusy[^1] / 1e6), N(poolShare, "P0")],
            ]);
        output.Say();
        output.Say($"The static split gave the first thread the large items: it was busy {staticBusy[0] / 1e6:0} ms while the last had {staticBusy[^1] / 1e6:0} ms of work and");
        output.Say("then sat idle, and the job was done only when the busiest thread was. On the pool the queuing thread ran its own");
        output.Say($"items newest first while the others stole the oldest ones: {pool.Stolen} of {Items} items ran on a thread that had not queued");
        output.Say($"them, and the busiest thread did {poolShare:P0} of the work. Nobody had to know the sizes in advance.");
        if (poolBusy.Count > n)
        {
            output.Say($"(The pool used {poolBusy.Count} threads: it adds threads when work backs up, and keeps them a while.)");
        }

        if (pool.Wall >= split.Wall)
        {
            output.Say($"(The pool did not finish sooner this time: on a busy machine, load average {LoadAverage()}, the wall times say more about");
            output.Say("the other programs than about the split. The busy times are CPU time, which the load does not change.)");
        }

        bool held = staticShare >= 0.65 && poolShare <= 0.6 && pool.Stolen > 0;
        string verdict = (held ? "Held: " : "Did not hold on this run: ")
            + $"split statically, the busiest of {n} threads did {staticShare:P0} of the work and the job took {split.Wall.TotalMilliseconds:0} ms; "
            + $"on the work-stealing pool the busiest did {poolShare:P0}, {pool.Stolen} items were stolen, and it took {pool.Wall.TotalMilliseconds:0} ms (wall times at load average {LoadAverage()}).";
        var figures = new JsonObject
        {
            ["items"] = Items,
            ["workMs"] = Work.TotalMilliseconds,
            ["static"] = new JsonObject
            {
                ["threads"] = n,
                ["finishedMs"] = Math.Round(split.Wall.TotalMilliseconds, 1),
                ["busyMs"] = new JsonArray([.. staticBusy.Select(c => JsonValue.Create(Ms(c)))]),
                ["busiestShare"] = Math.Round(staticShare, 3),
            },
            ["pool"] = new JsonObject
            {
                ["threads"] = poolBusy.Count,
                ["finishedMs"] = Math.Round(pool.Wall.TotalMilliseconds, 1),
                ["busyMs"] = new JsonArray([.. poolBusy.Select(c => JsonValue.Create(Ms(c)))]),
                ["busiestShare"] = Math.Round(poolShare, 3),
                ["stolen"] = pool.Stolen,
            },
            ["loadAverage"] = LoadAverage(),
        };
        return new DemoResult(Name, Claim, held, verdict, figures);
    }

    private sealed record PoolRun(TimeSpan Wall, IReadOnlyDictionary<int, ThreadStats> Threads, int Stolen);

    /// <summary>One pool task queues every item as a child task (onto its own thread's queue), and waits for them all.</summary>
    private static async Task<PoolRun> RunOnPoolAsync(long[] sizes)
    {
        var busy = new ConcurrentDictionary<int, ThreadStats>();
        int stolen = 0;
        long start = Stopwatch.GetTimestamp();
        await Task.Run(() =>
        {
            int queuer = Environment.CurrentManagedThreadId;
            var children = sizes.Select(size => Task.Factory.StartNew(() =>
            {
                var before = ThreadStats.ReadCurrent();
                DemoWork.Run(size);
                var spent = ThreadStats.ReadCurrent().Since(before);
                busy.AddOrUpdate(Environment.CurrentManagedThreadId, spent, (_, sum) => new ThreadStats(sum.CpuNs + spent.CpuNs, sum.WaitNs + spent.WaitNs, 0, 0, 0));
                if (Environment.CurrentManagedThreadId != queuer)
                {
                    Interlocked.Increment(ref stolen);
                }
            }, CancellationToken.None, TaskCreationOptions.None, TaskScheduler.Default)).ToArray();
            return Task.WhenAll(children);
        }).WaitAsync(JoinTimeout);
        return new PoolRun(Stopwatch.GetElapsedTime(start), busy, stolen);
    }
}
