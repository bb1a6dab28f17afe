using IpcKit.Coordinator.Demos;
using IpcKit.Protocol;

namespace IpcKit.Demos.Tests;

/// <summary>
/// The claims about sharing and communicating: livelock, reordering, atomicity, leak, channel, and the race demo on one
/// CPU. What must never happen (a fenced litmus test reading 0 and 0, a torn read under a lock) is asserted in every
/// run; what needs two threads at the same instant gets a few attempts.
/// </summary>
public sealed class SharingClaimTests
{
    [Fact]
    public async Task Polite_threads_moving_in_step_never_complete_and_a_random_pause_lets_both_through()
    {
        var result = await DemoRunner.RunAsync(new LivelockDemo { Duration = TimeSpan.FromMilliseconds(150) });

        Assert.Equal([0, 0], result.Figures["fixedPause"]!["completed"]!.AsArray().Select(n => n!.GetValue<long>()));
        Assert.All(result.Figures["fixedPause"]!["attempts"]!.AsArray(), n => Assert.True(n!.GetValue<long>() >= 10, "fewer than 10 attempts"));
        Assert.All(result.Figures["randomPause"]!["completed"]!.AsArray(), n => Assert.True(n!.GetValue<long>() > 0, "a thread never completed with a random pause"));
        Assert.True(result.Held, result.Verdict);
    }

    [Fact]
    public async Task A_livelock_run_goes_on_for_its_rounds_however_slowly_they_come()
    {
        // No time at all stands for a machine so busy that the time is up after the first round (at load 30 the 150 ms
        // run above made 3 attempts a thread): the rounds still come, and with them the claim.
        var demo = new LivelockDemo { Duration = TimeSpan.Zero };
        var result = await DemoRunner.RunAsync(demo);

        Assert.True(result.Figure<long>("fixedPause", "rounds") >= demo.MinRounds, $"{result.Figure<long>("fixedPause", "rounds")} rounds");
        Assert.True(result.Figure<long>("randomPause", "rounds") >= demo.MinRounds, $"{result.Figure<long>("randomPause", "rounds")} rounds");
        Assert.Equal([0, 0], result.Figures["fixedPause"]!["completed"]!.AsArray().Select(n => n!.GetValue<long>()));
        Assert.True(result.Held, result.Verdict);
    }

    [Fact]
    public async Task Plain_stores_and_loads_on_two_CPUs_can_both_read_zero_and_a_full_fence_never_does()
    {
        if (Affinity.AllowedCpus().Count < 2)
        {
            var alone = await DemoRunner.RunAsync(new ReorderingDemo());
            Assert.False(alone.Held);
            Assert.Contains("needs two CPUs", alone.Verdict, StringComparison.Ordinal);
            return;
        }

        long bothZero = 0;
        for (int attempt = 1; attempt <= 3 && bothZero == 0; attempt++)
        {
            var result = await DemoRunner.RunAsync(new ReorderingDemo { Duration = TimeSpan.FromMilliseconds(300) });

            Assert.True(result.Figure<long>("fence", "rounds") > 0);
            Assert.Equal(0, result.Figure<long>("fence", "bothZero"));
            bothZero = result.Figure<long>("plain", "bothZero");
            Assert.Equal(bothZero > 0, result.Held);
        }

        Assert.True(bothZero > 0, "plain fields never read r1 == r2 == 0 in 3 attempts");
    }

    [Fact]
    public async Task An_unlocked_16_byte_struct_is_read_torn_and_a_lock_or_an_immutable_reference_never_is()
    {
        long torn = 0;
        for (int attempt = 1; attempt <= 3 && torn == 0; attempt++)
        {
            var result = await DemoRunner.RunAsync(new AtomicityDemo { Duration = TimeSpan.FromMilliseconds(150) });

            Assert.Equal(0, result.Figure<long>("locked", "torn"));
            Assert.Equal(0, result.Figure<long>("copyOnWrite", "torn"));
            Assert.True(result.Figure<long>("locked", "reads") > 0);
            Assert.True(result.Figure<long>("copyOnWrite", "reads") > 0);
            torn = result.Figure<long>("unlocked", "torn");
        }

        Assert.True(torn > 0, "no torn read of the unlocked struct in 3 attempts");
    }

    [Fact]
    public async Task Threads_never_joined_outlive_their_work_and_cancel_and_join_or_the_pool_leave_none()
    {
        var result = await DemoRunner.RunAsync(new LeakDemo { Requests = 100 });

        Assert.InRange(result.Figure<int>("neverJoined", "leftBehind"), 90, 110);
        Assert.True(result.Figure<long>("neverJoined", "addressSpaceKiBMore") > 0);
        Assert.InRange(result.Figure<int>("cancelledAndJoined", "leftBehind"), -10, 10);
        Assert.InRange(result.Figure<int>("threadPool", "leftBehind"), -10, 10);
        Assert.InRange(result.Figure<int>("cancelledAndJoined", "threadsBefore") - result.Figure<int>("neverJoined", "threadsBefore"), -10, 10);
        Assert.True(result.Held, result.Verdict);
    }

    [Fact]
    public async Task A_bounded_channel_holds_the_producer_back_an_unbounded_one_grows_and_a_socket_bounds_it_across_processes()
    {
        var result = await DemoRunner.RunAsync(new ChannelDemo { Duration = TimeSpan.FromMilliseconds(200) });

        int capacity = result.Figure<int>("capacity");
        Assert.True(result.Figure<long>("bounded", "mostWaiting") <= capacity);
        Assert.True(result.Figure<long>("bounded", "producerWaits") > 0, "the bounded channel never made the producer wait");
        Assert.True(result.Figure<long>("unbounded", "mostWaiting") >= 10 * capacity);
        Assert.Equal(0, result.Figure<long>("unbounded", "producerWaits"));
        Assert.True(result.Figure<long>("unbounded", "heapGrowthKiB") > result.Figure<long>("bounded", "heapGrowthKiB"));
        Assert.True(result.Figure<long>("processes", "producerWaits") > 0, "the socket never made the producer wait");
        Assert.Equal(result.Figure<long>("processes", "produced"), result.Figure<long>("processes", "consumed"));
        Assert.True(result.Held, result.Verdict);
    }

    [Fact]
    public async Task On_one_CPU_the_race_demo_shows_threads_taking_turns_rarely_lose_an_update()
    {
        var result = await DemoRunner.RunAsync(new RaceDemo
        {
            Duration = TimeSpan.FromMilliseconds(200),
            ProcessIncrements = 100_000,
            Cpus = [Affinity.AllowedCpus()[0]],
        });

        Assert.True(result.Figure<bool>("oneCpu"));
        long lost = result.Figure<long>("unsynchronized", "lost"), made = result.Figure<long>("unsynchronized", "increments");
        Assert.True(lost * 1000 <= made, $"threads taking turns on one CPU lost {lost} of {made} updates");
        Assert.Equal(0, result.Figure<long>("interlocked", "lost"));
        Assert.Equal(0, result.Figure<long>("lock", "lost"));
        Assert.False(result.Held);
        Assert.Contains("one CPU", result.Verdict, StringComparison.Ordinal);
        Assert.DoesNotContain("run it again", result.Verdict, StringComparison.Ordinal);
    }
}
