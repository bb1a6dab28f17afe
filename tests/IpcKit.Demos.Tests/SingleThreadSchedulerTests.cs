using IpcKit.Coordinator.Demos;

namespace IpcKit.Demos.Tests;

public sealed class SingleThreadSchedulerTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Every_task_and_every_continuation_after_an_await_runs_on_the_one_thread()
    {
        using var scheduler = new SingleThreadScheduler("test-scheduler");
        var seen = new System.Collections.Concurrent.ConcurrentBag<int>();

        async Task Body()
        {
            for (int i = 0; i < 20; i++)
            {
                seen.Add(Environment.CurrentManagedThreadId);
                await Task.Yield();
                seen.Add(Environment.CurrentManagedThreadId);
                await Task.Delay(1);
            }
        }

        await Task.WhenAll(scheduler.Run(Body), scheduler.Run(Body), scheduler.Run(Body)).WaitAsync(Deadline);

        Assert.Equal(120, seen.Count);
        Assert.Single(seen.Distinct());
        Assert.NotEqual(Environment.CurrentManagedThreadId, seen.First());
    }

    [Fact]
    public async Task Tasks_take_turns_in_the_order_they_yield()
    {
        using var scheduler = new SingleThreadScheduler("test-scheduler");
        var order = new List<string>(); // no lock needed: only the scheduler's one thread touches it

        async Task Body(string name)
        {
            for (int i = 0; i < 3; i++)
            {
                order.Add($"{name}{i}");
                await Task.Yield();
            }
        }

        await scheduler.Run(() => Task.WhenAll(Body("a"), Body("b"))).WaitAsync(Deadline);

        Assert.Equal(["a0", "b0", "a1", "b1", "a2", "b2"], order);
    }
}
