using System.Text.Json;
using IpcKit.Coordinator.Demos;

namespace IpcKit.Demos.Tests;

/// <summary>Each demo's claim, held by the demo classes themselves with real threads and real worker processes.</summary>
public sealed class DemoClaimTests
{
    [Fact]
    public async Task A_thread_sees_the_change_and_a_process_sees_it_only_after_the_transport()
    {
        var result = await DemoRunner.RunAsync(new IsolationDemo());

        Assert.Equal(1, result.Figure<long>("threadBefore"));
        Assert.Equal(1, result.Figure<long>("processBefore"));
        Assert.Equal(2, result.Figure<long>("threadAfter"));
        Assert.Equal(1, result.Figure<long>("processAfter"));
        Assert.Equal(2, result.Figure<long>("processAfterTransport"));
        Assert.NotEqual(result.Figure<int>("coordinatorPid"), result.Figure<int>("workerPid"));
        Assert.True(result.Held, result.Verdict);
    }

    [Fact]
    public async Task Unsynchronized_increments_lose_updates_and_synchronized_ones_lose_none()
    {
        // Losing updates needs the threads to run at the same instant, which a busy machine may deny a short run:
        // a few attempts. The synchronized variants must lose nothing in every attempt.
        long lost = 0;
        for (int attempt = 1; attempt <= 5 && lost == 0; attempt++)
        {
            var result = await DemoRunner.RunAsync(new RaceDemo { Duration = TimeSpan.FromMilliseconds(300), ProcessIncrements = 1_000_000 });
            Assert.Equal(0, result.Figure<long>("interlocked", "lost"));
            Assert.Equal(0, result.Figure<long>("lock", "lost"));
            Assert.Equal(0, result.Figure<long>("baseline", "lost"));
            Assert.Equal(0, result.Figure<long>("processes", "lost"));
            Assert.Equal(result.Figure<int>("threads") * 1_000_000L, result.Figure<long>("processes", "count"));
            Assert.True(result.Figure<long>("interlocked", "increments") > 0);
            lost = result.Figure<long>("unsynchronized", "lost");
            Assert.True(lost >= 0, "the shared counter cannot exceed the increments made");
        }

        Assert.True(lost > 0, "unsynchronized threads lost no update in 5 attempts");
    }

    [Fact]
    public async Task A_task_that_never_awaits_stalls_the_ticker_and_yielding_lets_it_tick()
    {
        // What must hold every time: behind a computation that never awaits, the ticker does not tick at all and its
        // gap spans the computation; with Task.Yield() or an own thread it ticks meanwhile.
        // What a busy machine can spoil now and then (it also preempts the scheduler's thread): that those gaps are
        // shorter than the starved one. Relative, with a few attempts.
        string? failure = "not run";
        for (int attempt = 1; attempt <= 3 && failure is not null; attempt++)
        {
            var result = await DemoRunner.RunAsync(new StarvationDemo { Computation = TimeSpan.FromMilliseconds(150) });

            double computation = result.Figure<double>("blocking", "computationMs");
            double blockingGap = result.Figure<double>("blocking", "worstGapMs");
            Assert.True(blockingGap >= computation, $"the ticker's worst gap {blockingGap} ms is shorter than the {computation} ms computation it sat behind");
            Assert.Equal(0, result.Figure<int>("blocking", "ticksDuring"));
            Assert.True(result.Figure<int>("yielding", "ticksDuring") > 0, "the ticker never ticked while the computation yielded");
            Assert.True(result.Figure<int>("ownThread", "ticksDuring") > 0, "the ticker never ticked while the computation ran on its own thread");

            double yieldingGap = result.Figure<double>("yielding", "worstGapMs");
            double threadGap = result.Figure<double>("ownThread", "worstGapMs");
            failure = yieldingGap >= blockingGap ? $"yielding: worst gap {yieldingGap} ms, against {blockingGap} ms without yielding"
                : threadGap >= blockingGap ? $"own thread: worst gap {threadGap} ms, against {blockingGap} ms on the ticker's thread"
                : null;
        }

        Assert.True(failure is null, failure);
    }

    [Fact]
    public async Task Opposite_lock_orders_are_detected_as_a_deadlock_without_hanging_and_one_order_completes()
    {
        var result = await DemoRunner.RunAsync(new DeadlockDemo
        {
            DetectAfter = TimeSpan.FromMilliseconds(200),
            GiveUpAfter = TimeSpan.FromMilliseconds(600),
            OrderedRounds = 10_000,
        });

        Assert.True(result.Figure<bool>("deadlockDetected"));
        Assert.Equal("holds A, waits for B", result.Figure<string>("thread1"));
        Assert.Equal("holds B, waits for A", result.Figure<string>("thread2"));
        Assert.True(result.Figure<bool>("brokenByTimeout"));
        Assert.True(result.Figure<bool>("locksFreeAfterwards"));
        Assert.True(result.Figure<bool>("orderedCompleted"));
        Assert.True(result.Held, result.Verdict);

        // Events in the order they happened: the thread that gave up released its lock before the other got it.
        var events = result.Figures["events"]!.AsArray().Select(e => e!.GetValue<string>()).ToList();
        int gaveUp = events.FindIndex(e => e.Contains("gave up", StringComparison.Ordinal));
        int gotIt = events.FindIndex(e => e.Contains("at last", StringComparison.Ordinal));
        Assert.True(gaveUp >= 2, string.Join(" | ", events));
        Assert.True(gotIt == -1 || gotIt > gaveUp, string.Join(" | ", events)); // -1: both timed out at once, and neither got it
    }

    [Fact]
    public async Task Every_switch_costs_something_and_a_process_round_trip_costs_a_voluntary_context_switch()
    {
        var result = await DemoRunner.RunAsync(new SwitchDemo { Duration = TimeSpan.FromMilliseconds(100), Warmup = TimeSpan.FromMilliseconds(20) });

        var rows = result.Figures.Where(f => f.Value is System.Text.Json.Nodes.JsonObject row && row["skipped"] is null).Select(f => f.Key).ToList();
        Assert.Contains("tasks", rows);
        Assert.Contains("threadsOneCpu", rows);
        Assert.Contains("processesPipeOneCpu", rows);
        foreach (string row in rows)
        {
            Assert.True(result.Figure<long>(row, "roundTrips") > 0, $"{row}: no round trips");
            Assert.True(result.Figure<double>(row, "nsPerSwitch") > 0, $"{row}: ns per switch not positive");
            Assert.True(result.Figure<double>(row, "meanNsPerSwitch") > 0, $"{row}: mean ns per switch not positive");
        }

        // Between processes both sides sleep in read(): on one CPU at least one of them per round trip, on two CPUs both.
        foreach (string row in rows.Where(r => r.StartsWith("processes", StringComparison.Ordinal)))
        {
            double voluntary = result.Figure<double>(row, "voluntaryPerRoundTrip");
            Assert.True(voluntary >= 1, $"{row}: {voluntary} voluntary context switches per round trip");
        }
    }

    [Fact]
    public void The_catalog_names_every_demo_once_with_a_summary()
    {
        var names = DemoCatalog.All.Select(d => d.Name).ToList();
        Assert.Equal(
            ["isolation", "race", "switch", "starvation", "deadlock", "parallel", "gil", "lightweight", "workstealing", "timeslice", "livelock",
             "reordering", "atomicity", "leak", "channel"],
            names);
        Assert.All(DemoCatalog.All, d => Assert.False(string.IsNullOrWhiteSpace(d.Summary)));
        Assert.Same(DemoCatalog.All[1], DemoCatalog.Find("RACE"));
        Assert.Null(DemoCatalog.Find("nope"));
    }

    [Fact]
    public void A_result_is_written_as_json_with_its_name_claim_verdict_and_figures()
    {
        var result = new DemoResult("x", "a claim", true, "Held.", new() { ["n"] = 3, ["row"] = new System.Text.Json.Nodes.JsonObject { ["ns"] = 1.5 } });

        using var json = JsonDocument.Parse(result.ToJson());
        var root = json.RootElement;
        Assert.Equal("x", root.GetProperty("demo").GetString());
        Assert.Equal("a claim", root.GetProperty("claim").GetString());
        Assert.True(root.GetProperty("held").GetBoolean());
        Assert.Equal("Held.", root.GetProperty("verdict").GetString());
        Assert.Equal(3, root.GetProperty("figures").GetProperty("n").GetInt32());
        Assert.Equal(1.5, root.GetProperty("figures").GetProperty("row").GetProperty("ns").GetDouble());
    }
}
