using System.Text.Json.Nodes;
using IpcKit.Worker;
using static IpcKit.Coordinator.Demos.DemoKit;

namespace IpcKit.Coordinator.Demos;

/// <summary>
/// Thread leaks: a thread started per request that is never cancelled or joined outlives its work, and such threads
/// pile up, with their stacks. Cancelled and joined, or replaced by the thread pool, the count returns to where it was.
/// </summary>
internal sealed class LeakDemo : IDemo
{
    /// <summary>How many requests each way handles.</summary>
    public int Requests { get; init; } = 200;

    public string Name => "leak";

    public string Summary => "Thread leaks: threads started per request and never cancelled or joined pile up after their work is done; cancel and join, or the pool, do not.";

    public static string Claim =>
        "Threads started per request and never cancelled or joined stay alive after their work is done and pile up, with their memory; "
        + "cancelled and joined, or run as tasks on the thread pool, the thread count returns to where it started.";

    public async Task<DemoResult> RunAsync(DemoOutput output, CancellationToken cancellationToken)
    {
        output.Say($"{Requests} requests, three ways. Each request does a little work; a per-request thread then waits for a follow-up");
        output.Say("message that never comes, the way a connection handler waits for the next message on a quiet connection.");
        output.Say("Threads are counted in /proc/self/status after every request's work is done.");
        output.Say();

        var leaked = PerRequestThreads(Requests, cancelAndJoin: false);
        cancellationToken.ThrowIfCancellationRequested();
        var joined = PerRequestThreads(Requests, cancelAndJoin: true);
        cancellationToken.ThrowIfCancellationRequested();
        var pooled = await OnThePoolAsync(Requests);

        output.Table(
            ["", "threads before", "after the work", "left behind", "resident KiB more", "address space MiB more"],
            [Row("a thread per request, never joined", leaked), Row("a thread per request, cancelled and joined", joined), Row("tasks on the thread pool", pooled)]);
        output.Say();
        output.Say($"The work was done in every case, yet {leaked.LeftBehind} threads were still there the first way: each waits for a message that");
        output.Say("will never come, holding its stack and a kernel task, and nothing will ever end it. A server that does this per");
        output.Say("request grows until it hits the process's thread limit or runs out of memory. (The demo cleans them up");
        output.Say("afterwards.) Cancelling each thread's wait and joining it returns the count to where it was. The thread pool");
        output.Say($"runs the requests on a few threads it keeps for later ({pooled.LeftBehind:+0;-0;0} here): their number does not grow with the requests.");

        bool held = leaked.LeftBehind >= Requests * 9 / 10 && joined.LeftBehind <= Requests / 10 && pooled.LeftBehind <= Requests / 10;
        string verdict = (held ? "Held: " : "Did not hold on this run: ")
            + $"{leaked.LeftBehind} of {Requests} per-request threads were left behind after their work; cancelled and joined, {joined.LeftBehind}; "
            + $"on the pool, {pooled.LeftBehind}.";
        var figures = new JsonObject
        {
            ["requests"] = Requests,
            ["neverJoined"] = Figures(leaked),
            ["cancelledAndJoined"] = Figures(joined),
            ["threadPool"] = Figures(pooled),
        };
        return new DemoResult(Name, Claim, held, verdict, figures);
    }

    private sealed record Count(ProcessStatus Before, ProcessStatus After)
    {
        public int LeftBehind => After.Threads - Before.Threads;
    }

    private static string[] Row(string label, Count c) =>
    [
        label, N(c.Before.Threads), N(c.After.Threads), N(c.LeftBehind), N(c.After.RssKiB - c.Before.RssKiB),
        N((c.After.VirtualKiB - c.Before.VirtualKiB) / 1024.0),
    ];

    private static JsonObject Figures(Count c) => new()
    {
        ["threadsBefore"] = c.Before.Threads,
        ["threadsAfter"] = c.After.Threads,
        ["leftBehind"] = c.LeftBehind,
        ["residentKiBMore"] = c.After.RssKiB - c.Before.RssKiB,
        ["addressSpaceKiBMore"] = c.After.VirtualKiB - c.Before.VirtualKiB,
    };

    /// <summary>
    /// Starts a thread per request; each does its work, reports it done, and waits for a follow-up. Never joined: the
    /// follow-up never comes while they are counted. Cancelled and joined: the owner cancels the wait and joins each.
    /// Either way the demo releases every thread before it returns.
    /// </summary>
    private static Count PerRequestThreads(int requests, bool cancelAndJoin)
    {
        using var workDone = new CountdownEvent(requests);
        using var followUp = new CancellationTokenSource(); // cancelled: the wait ends
        var threads = new List<Thread>();
        var before = ProcessStatus.Read();
        try
        {
            for (int i = 0; i < requests; i++)
            {
                threads.Add(Start($"ipckit-demo-request-{i}", -1, () =>
                {
                    DemoWork.Run(100);
                    workDone.Signal();
                    followUp.Token.WaitHandle.WaitOne(); // a follow-up that, left alone, never comes
                }));
            }

            if (!workDone.Wait(JoinTimeout))
            {
                throw new TimeoutException($"The requests' work was not done within {JoinTimeout.TotalSeconds:0} s.");
            }

            if (cancelAndJoin)
            {
                followUp.Cancel();
                JoinAll(threads, "request");
                return new Count(before, Settled(before.Threads));
            }

            return new Count(before, ProcessStatus.Read());
        }
        finally
        {
            followUp.Cancel();
            JoinAll(threads, "request");
            Settled(before.Threads); // so that the next way starts from the same count
        }
    }

    /// <summary>
    /// The process's status once its thread count is back to <paramref name="threads"/>, or after 1 s: Join returns when
    /// a thread's managed code is done, and the kernel removes the thread a moment later.
    /// </summary>
    private static ProcessStatus Settled(int threads)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(1);
        var now = ProcessStatus.Read();
        while (now.Threads > threads && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(1);
            now = ProcessStatus.Read();
        }

        return now;
    }

    private static async Task<Count> OnThePoolAsync(int requests)
    {
        await Task.Run(() => { }); // the pool is up before counting
        var before = ProcessStatus.Read();
        await Task.WhenAll(Enumerable.Range(0, requests).Select(_ => Task.Run(() => DemoWork.Run(100)))).WaitAsync(JoinTimeout);
        return new Count(before, ProcessStatus.Read());
    }
}
