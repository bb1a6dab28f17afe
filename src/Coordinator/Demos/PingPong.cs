using System.Diagnostics;
using IpcKit.Coordinator.Running;
using IpcKit.Protocol;
using IpcKit.Transports;

namespace IpcKit.Coordinator.Demos;

/// <summary>One ping-pong measurement: how many round trips, how long, and the context switches they caused.</summary>
/// <param name="RoundTrips">Round trips measured (after a warm-up). Each round trip is two switches: there and back.</param>
/// <param name="Elapsed">Wall time of the measured round trips.</param>
/// <param name="MedianNsPerRoundTrip">The median over 0.2 ms bursts of the time per round trip: the typical cost, without the moments another program had the CPU.</param>
/// <param name="Voluntary">Voluntary context switches meanwhile (a thread blocked and gave up its CPU), in every process involved.</param>
/// <param name="Involuntary">Involuntary ones (the scheduler took the CPU away from a runnable thread, sched_yield included).</param>
internal sealed record SwitchSample(long RoundTrips, TimeSpan Elapsed, double MedianNsPerRoundTrip, long Voluntary, long Involuntary)
{
    public double NsPerSwitch => MedianNsPerRoundTrip / 2;

    public double MeanNsPerSwitch => Elapsed.TotalNanoseconds / (2.0 * RoundTrips);

    public double VoluntaryPerRoundTrip => (double)Voluntary / RoundTrips;

    public double InvoluntaryPerRoundTrip => (double)Involuntary / RoundTrips;
}

/// <summary>
/// Times round trips in bursts of about 0.2 ms. On a busy machine some bursts include a stretch when another program
/// had the CPU; the median burst does not.
/// </summary>
internal sealed class BurstClock
{
    private static readonly long BurstTicks = Stopwatch.Frequency / 5000;
    private readonly List<double> _nsPerTrip = [];
    private readonly long _start;
    private readonly long _end;
    private long _burstStart;
    private long _burstTrips;

    public BurstClock(TimeSpan duration)
    {
        _start = _burstStart = Stopwatch.GetTimestamp();
        _end = _start + (long)(duration.TotalSeconds * Stopwatch.Frequency);
    }

    public long Trips { get; private set; }

    /// <summary>Counts one round trip; false once the duration is up.</summary>
    public bool Tick()
    {
        Trips++;
        _burstTrips++;
        long now = Stopwatch.GetTimestamp();
        if (now - _burstStart >= BurstTicks)
        {
            _nsPerTrip.Add((now - _burstStart) * 1e9 / Stopwatch.Frequency / _burstTrips);
            _burstStart = now;
            _burstTrips = 0;
        }

        return now < _end;
    }

    public SwitchSample Result(ProcessCounters spent)
    {
        var elapsed = Stopwatch.GetElapsedTime(_start);
        _nsPerTrip.Sort();
        double median = _nsPerTrip.Count > 0 ? _nsPerTrip[_nsPerTrip.Count / 2] : elapsed.TotalNanoseconds / Math.Max(1, Trips);
        return new SwitchSample(Trips, elapsed, median, spent.Voluntary, spent.Involuntary);
    }
}

/// <summary>Hands control back and forth between two parties, three ways: tasks, threads and processes.</summary>
internal static class PingPong
{
    private static readonly TimeSpan StepTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Two async tasks on one thread (a <see cref="SingleThreadScheduler"/>), passing a baton through TaskCompletionSource.</summary>
    public static async Task<SwitchSample> TasksAsync(int cpu, TimeSpan warmup, TimeSpan duration)
    {
        using var scheduler = new SingleThreadScheduler("ipckit-demo-tasks", cpu);
        return await scheduler.Run(async () =>
        {
            await TaskRoundTripsAsync(warmup);
            var before = ProcessCounters.Read(Environment.ProcessId);
            var clock = await TaskRoundTripsAsync(duration);
            return clock.Result(ProcessCounters.Read(Environment.ProcessId).Since(before));
        }).WaitAsync(duration + warmup + StepTimeout);
    }

    // Runs on the scheduler's one thread, so the batons need no locks: only one of the two tasks runs at any moment.
    private static async Task<BurstClock> TaskRoundTripsAsync(TimeSpan duration)
    {
        var toPonger = new Baton();
        var toPinger = new Baton();
        bool stop = false;

        async Task Ponger()
        {
            while (true)
            {
                await toPonger.WaitAsync();
                if (stop)
                {
                    return;
                }

                toPinger.Pass();
            }
        }

        var ponger = Ponger(); // runs until its first await: it is now waiting for the baton
        var clock = new BurstClock(duration);
        do
        {
            var reply = toPinger.WaitAsync();
            toPonger.Pass();
            await reply;
        }
        while (clock.Tick());

        stop = true;
        toPonger.Pass();
        await ponger;
        return clock;
    }

    /// <summary>
    /// Two threads passing a baton through a pair of <see cref="AutoResetEvent"/>s: the waiting thread sleeps in the
    /// kernel (a futex) until the other one sets its event. SemaphoreSlim and Monitor would spin or yield first, and
    /// Monitor makes the woken thread take the lock again: they measure more than the switch.
    /// </summary>
    public static async Task<SwitchSample> ThreadsAsync(int cpuA, int cpuB, TimeSpan warmup, TimeSpan duration)
    {
        var ping = new AutoResetEvent(false);
        var pong = new AutoResetEvent(false);
        int stop = 0;
        var ponger = new Thread(() =>
        {
            Affinity.PinCurrentThread(cpuB);
            while (ping.WaitOne(StepTimeout) && Volatile.Read(ref stop) == 0)
            {
                pong.Set();
            }
        })
        { IsBackground = true, Name = "ipckit-demo-ponger" };
        ponger.Start();

        BurstClock RoundTrips(TimeSpan d)
        {
            var clock = new BurstClock(d);
            do
            {
                ping.Set();
                if (!pong.WaitOne(StepTimeout))
                {
                    throw new TimeoutException("The ponger thread stopped answering.");
                }
            }
            while (clock.Tick());

            return clock;
        }

        try
        {
            return await PinnedThread.Run(cpuA, () =>
            {
                RoundTrips(warmup);
                var before = ProcessCounters.Read(Environment.ProcessId);
                var clock = RoundTrips(duration);
                return clock.Result(ProcessCounters.Read(Environment.ProcessId).Since(before));
            }).WaitAsync(duration + warmup + StepTimeout);
        }
        finally
        {
            Volatile.Write(ref stop, 1);
            ping.Set();
            if (ponger.Join(StepTimeout))
            {
                ping.Dispose();
                pong.Dispose();
            }
        }
    }

    /// <summary>
    /// This process and a worker process (echo role) passing an 8-byte message back and forth over
    /// <paramref name="transport"/>; context switches are counted in both processes.
    /// </summary>
    public static async Task<SwitchSample> ProcessesAsync(
        ITransport transport, int coordinatorCpu, int workerCpu, TimeSpan warmup, TimeSpan duration, CancellationToken cancellationToken)
    {
        using var scratch = ScratchSpace.Create();
        var endpoint = transport.CreateEphemeralEndpoint(scratch.Path);
        scratch.Claim(endpoint);
        await using var session = await WorkerSession.StartAsync(
            transport, endpoint, new ConfigureMessage(WorkerRole.Echo, "", 0, 0, workerCpu), cancellationToken);
        var data = session.Data;
        var message = new byte[8];

        BurstClock RoundTrips(TimeSpan d)
        {
            var clock = new BurstClock(d);
            do
            {
                data.Send(message);
                _ = data.Receive() ?? throw new ConnectionClosedException("The echo worker closed the connection.");
            }
            while (clock.Tick());

            return clock;
        }

        var run = PinnedThread.Run(coordinatorCpu, () =>
        {
            RoundTrips(warmup);
            var self = ProcessCounters.Read(Environment.ProcessId);
            var peer = ProcessCounters.Read(session.WorkerPid);
            var clock = RoundTrips(duration);
            var selfSpent = ProcessCounters.Read(Environment.ProcessId).Since(self);
            var peerSpent = ProcessCounters.Read(session.WorkerPid).Since(peer);
            return clock.Result(new ProcessCounters(0, 0, selfSpent.Voluntary + peerSpent.Voluntary, selfSpent.Involuntary + peerSpent.Involuntary));
        });
        try
        {
            return await run.WaitAsync(duration + warmup + StepTimeout, cancellationToken);
        }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException)
        {
            data.Abort(); // unblocks the measuring thread
            throw;
        }
    }

    /// <summary>A one-shot hand-over point between two tasks on the same thread.</summary>
    private sealed class Baton
    {
        private TaskCompletionSource? _waiter;

        public Task WaitAsync()
        {
            // RunContinuationsAsynchronously: passing the baton queues the waiter on the scheduler rather than running
            // it inside Pass(). That queue-and-resume is the cooperative switch being measured.
            _waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return _waiter.Task;
        }

        public void Pass()
        {
            var waiter = _waiter ?? throw new InvalidOperationException("No one is waiting for the baton.");
            _waiter = null;
            waiter.SetResult();
        }
    }
}
