using IpcKit.Transports.Connections;

namespace IpcKit.Transports.Tests;

/// <summary>
/// The send lock of stream and file connections (<see cref="ConnectionCore.EnterSend"/>): a ticket counter with a
/// semaphore behind it. One sender at a time, whatever mix of blocking, async, timed-out and cancelled waiters there is.
/// </summary>
public sealed class SendLockTests
{
    private static ConnectionCore NewCore() => new(Endpoint.Parse("unix:///tmp/send-lock-test"), 1024, withSendLock: true);

    [Fact]
    public async Task Blocking_and_async_senders_never_overlap()
    {
        var core = NewCore();
        int inside = 0;
        int overlaps = 0;
        long total = 0;
        const int PerSender = 50_000;
        using var start = new Barrier(5); // all five start together, so that they contend from the first send

        void Critical()
        {
            if (Interlocked.Increment(ref inside) != 1)
            {
                Interlocked.Increment(ref overlaps);
            }

            long seen = total;
            Thread.SpinWait(20); // a critical section long enough for a second sender to land in it if it could
            total = seen + 1; // not atomic on purpose: a lost update shows two senders inside at once
            Interlocked.Decrement(ref inside);
        }

        void Start() => Assert.True(start.SignalAndWait(TimeSpan.FromSeconds(30)), "the senders did not all start");

        var blocking = Enumerable.Range(0, 3).Select(_ => Task.Factory.StartNew(() =>
        {
            Start();
            for (int i = 0; i < PerSender; i++)
            {
                core.EnterSend();
                Critical();
                core.ExitSend();
            }
        }, TaskCreationOptions.LongRunning));
        var asynchronous = Enumerable.Range(0, 2).Select(_ => Task.Factory.StartNew(async () =>
        {
            Start();
            for (int i = 0; i < PerSender; i++)
            {
                await core.EnterSendAsync(CancellationToken.None);
                Critical();
                core.ExitSend();
            }
        }, TaskCreationOptions.LongRunning).Unwrap());
        await Task.WhenAll(blocking.Concat(asynchronous).ToArray()).Within(TimeSpan.FromSeconds(60));

        Assert.Equal(0, overlaps);
        Assert.Equal(5L * PerSender, total);
    }

    [Fact]
    public async Task A_sender_that_times_out_passes_its_turn_on_and_the_lock_stays_exclusive()
    {
        var core = NewCore();
        core.EnterSend();
        Assert.False(core.TryEnterSend(TimeSpan.Zero));
        Assert.False(core.TryEnterSend(TimeSpan.FromMilliseconds(20)));

        // The holder leaves; the two abandoned turns pass through, and then the lock is free again.
        var next = Task.Factory.StartNew(core.EnterSend, TaskCreationOptions.LongRunning);
        core.ExitSend();
        await next.Within();

        // ... and exclusive: while `next` holds it, another sender waits.
        var third = Task.Factory.StartNew(core.EnterSend, TaskCreationOptions.LongRunning);
        Assert.NotSame(third, await Task.WhenAny(third, Task.Delay(100)));
        core.ExitSend();
        await third.Within();
        core.ExitSend();
        Assert.True(core.TryEnterSend(TimeSpan.FromSeconds(10)), "the lock was not free after every holder left");
        core.ExitSend();
    }

    [Fact]
    public async Task A_cancelled_async_sender_passes_its_turn_on()
    {
        var core = NewCore();
        core.EnterSend();
        using var cts = new CancellationTokenSource();
        var cancelled = core.EnterSendAsync(cts.Token);
        Assert.False(cancelled.IsCompleted);
        var waiting = core.EnterSendAsync(CancellationToken.None);
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled.Within());
        Assert.False(waiting.IsCompleted, "a waiting sender entered while the lock was held");

        core.ExitSend();
        await waiting.Within();
        core.ExitSend();
        Assert.True(core.TryEnterSend(TimeSpan.FromSeconds(10)), "the lock was not free after every holder left");
        core.ExitSend();
    }

    [Fact]
    public async Task An_async_sender_whose_token_is_already_cancelled_does_not_take_the_lock()
    {
        var core = NewCore();
        var cancelled = core.EnterSendAsync(new CancellationToken(canceled: true));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled.Within());
        Assert.True(core.TryEnterSend(TimeSpan.Zero), "a cancelled sender took the lock");
        core.ExitSend();
    }
}
