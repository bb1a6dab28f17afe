using IpcKit.Coordinator.Demos;
using IpcKit.Protocol;

namespace IpcKit.Demos.Tests;

/// <summary>
/// The claims about CPUs and schedulers: parallel, gil, lightweight, workstealing, timeslice. The machine running
/// them is shared, so each test holds what the kernel's own accounting makes certain in every attempt, and gives what
/// depends on a free CPU a few attempts; where a busy machine can deny it, it checks the demo says so with figures.
/// </summary>
public sealed class SchedulingClaimTests
{
    [Fact]
    public async Task Two_threads_on_one_CPU_never_use_more_than_one_and_on_two_CPUs_they_overlap_or_the_demo_says_they_waited()
    {
        DemoResult? last = null;
        for (int attempt = 1; attempt <= 3; attempt++)
        {
            last = await DemoRunner.RunAsync(new ParallelDemo { Work = TimeSpan.FromMilliseconds(150) });

            // Certain: two threads confined to one CPU take turns, so their CPU time cannot exceed the wall time.
            double oneCpu = last.Figure<double>("oneCpu", "cpusAtOnce");
            Assert.True(oneCpu <= 1.05, $"two threads on one CPU used {oneCpu} CPUs at once");
            Assert.True(last.Figure<bool>("concurrencyHeld"));
            Assert.True(last.Figure<long>("oneCpu", "involuntarySwitches") > 0, "two CPU-bound threads on one CPU were never preempted");
            if (last.Figure<bool>("parallelismHeld"))
            {
                Assert.True(last.Figure<double>("twoCpus", "cpusAtOnce") >= 1.5);
                Assert.True(last.Held, last.Verdict);
                return;
            }
        }

        // Three busy attempts: the demo must not claim parallelism, and must show the wait that prevented it.
        Assert.False(last!.Held);
        double wall = last.Figure<double>("twoCpus", "wallMs");
        double waited = last.Figure<double>("twoCpus", "waitedForCpuMs");
        Assert.True(waited > 0.25 * wall, $"no parallelism, yet the threads waited only {waited} ms of {wall} ms for a CPU");
        Assert.Contains("waited", last.Verdict, StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_one_CPU_the_parallel_demo_shows_the_concurrent_half_and_says_why_not_the_other()
    {
        var result = await DemoRunner.RunAsync(new ParallelDemo { Work = TimeSpan.FromMilliseconds(100), Cpus = [Affinity.AllowedCpus()[0]] });

        Assert.Equal("this process may use one CPU only", result.Figure<string>("twoCpus", "skipped"));
        Assert.True(result.Figure<double>("oneCpu", "cpusAtOnce") <= 1.05);
        Assert.False(result.Held);
        Assert.Contains("only one CPU", result.Verdict, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Threads_under_one_global_lock_want_one_CPU_at_a_time_and_processes_want_one_each()
    {
        string? failure = "not run";
        for (int attempt = 1; attempt <= 3 && failure is not null; attempt++)
        {
            var result = await DemoRunner.RunAsync(new GilDemo { Work = TimeSpan.FromMilliseconds(150) });
            int n = result.Figure<int>("workers");
            double gil = result.Figure<double>("threadsOneLock", "wantingCpusAtOnce");
            double processes = result.Figure<double>("processes", "wantingCpusAtOnce");
            failure = gil > 1.25 ? $"{n} threads under one lock wanted {gil} CPUs at once"
                : processes < 0.75 * n ? $"{n} processes wanted only {processes} CPUs at once"
                : null;
            Assert.Equal(failure is null, result.Held);
        }

        Assert.True(failure is null, failure);
    }

    [Fact]
    public async Task A_waiting_task_costs_less_time_and_memory_than_an_OS_thread()
    {
        string? failure = "not run";
        for (int attempt = 1; attempt <= 3 && failure is not null; attempt++)
        {
            var result = await DemoRunner.RunAsync(new LightweightDemo { Tasks = 50_000, MaxThreads = 3_000 });
            Assert.Equal(50_000, result.Figure<int>("tasks", "started"));
            Assert.True(result.Figure<int>("threads", "started") > 0);
            double time = result.Figure<double>("startTimeRatio"), memory = result.Figure<double>("memoryRatio");
            failure = time < 5 || memory < 5 ? $"a thread cost {time}x the start time and {memory}x the memory of a task" : null;
        }

        Assert.True(failure is null, failure);
    }

    [Fact]
    public async Task A_static_split_leaves_one_thread_most_of_the_work_and_the_pool_evens_it_out_by_stealing()
    {
        string? failure = "not run";
        for (int attempt = 1; attempt <= 5 && failure is not null; attempt++)
        {
            var result = await DemoRunner.RunAsync(new WorkStealingDemo { Work = TimeSpan.FromMilliseconds(200) });

            // Busy time is CPU time, which load does not change: the static split's first half holds 3/4 of the work.
            double split = result.Figure<double>("static", "busiestShare");
            Assert.InRange(split, 0.65, 0.85);
            double pool = result.Figure<double>("pool", "busiestShare");
            int stolen = result.Figure<int>("pool", "stolen");
            // On an idle machine the pool's busiest thread does about half (the demo's verdict wants at most 60%). A
            // thread that other programs keep off its CPU cannot steal, though, and a fresh-clone CI run (every test
            // assembly at once) once saw 66% three times running; the claim is that the pool evens the work out more
            // than the split does, and that it does so by stealing.
            failure = pool >= split - 0.05 || stolen == 0 ? $"on the pool the busiest thread did {pool:P0} of the work (the static split's {split:P0}), {stolen} items stolen" : null;
        }

        Assert.True(failure is null, failure);
    }

    [Fact]
    public void Another_programs_turn_in_the_middle_of_a_threads_turn_is_not_a_turn_of_the_others()
    {
        // Three threads going round, each turn cut in two by another program, as on a busy machine: counted per slice,
        // half the gaps read "0 others between two turns", and the test below failed five attempts running at load 50.
        int[] cutTurns = [0, 0, 1, 1, 2, 2, 0, 0, 1, 1, 2, 2, 0, 1, 1, 2, 2, 0, 0];
        Assert.All(TimeSliceDemo.Run.OthersBetweenTurns(cutTurns), n => Assert.Equal(2, n));
        Assert.All(TimeSliceDemo.Run.OthersBetweenTurns([0, 1, 1, 0, 0, 1, 0, 1]), n => Assert.Equal(1, n));

        // Still counted as it happened: a third thread that seldom gets a turn leaves the other two alternating.
        Assert.Equal(new double[] { 1, 1, 1, 2 }, TimeSliceDemo.Run.OthersBetweenTurns([0, 1, 0, 0, 1, 0, 2, 1]).ToArray());
    }

    [Fact]
    public async Task Threads_sharing_one_CPU_are_preempted_in_turn_and_a_third_makes_each_turn_come_later()
    {
        string? failure = "not run";
        // Other programs that take the shared CPU cut a turn in two; the demo counts such a turn once (see the test
        // above), but a busy machine (as in CI, where test assemblies run side by side) can still deny the threads their
        // turns within the demo's time: hence up to five attempts.
        for (int attempt = 1; attempt <= 5 && failure is not null; attempt++)
        {
            var result = await DemoRunner.RunAsync(new TimeSliceDemo { Duration = TimeSpan.FromMilliseconds(200), TurnsEach = 6 });

            // Certain: CPU-bound threads that never block, pinned together, are preempted to let each other run.
            Assert.True(result.Figure<long>("twoThreads", "involuntarySwitches") > 0, "no involuntary switch between two CPU-bound threads on one CPU");
            // Round-robin: between two turns of one thread, each other thread has one (other programs' turns not counted).
            double two = result.Figure<double>("twoThreads", "othersBetweenTurns");
            double three = result.Figure<double>("threeThreads", "othersBetweenTurns");
            failure = result.Figure<int>("twoThreads", "turns") < 6 ? "two threads took fewer than 6 turns"
                : result.Figure<int>("threeThreads", "turns") < 9 ? "three threads took fewer than 9 turns"
                : two < 1 ? $"with two threads, {two} turns of the other came between two of one"
                : three <= two ? $"with three threads, {three} turns of the others came between two of one, against {two} with two"
                : null;
            Assert.Equal(failure is null, result.Held);
        }

        Assert.True(failure is null, failure);
    }
}
