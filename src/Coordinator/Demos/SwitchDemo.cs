using System.Globalization;
using System.Text.Json.Nodes;
using IpcKit.Protocol;
using IpcKit.Transports;

namespace IpcKit.Coordinator.Demos;

/// <summary>
/// The price of handing control from one party to another and back: between two tasks on one thread (cooperative,
/// no kernel involved), two threads (the kernel puts one to sleep and wakes the other), and two processes (the same,
/// plus a change of address space and the trip of the bytes through the kernel).
/// </summary>
internal sealed class SwitchDemo : IDemo
{
    /// <summary>How long each row measures, after its warm-up.</summary>
    public TimeSpan Duration { get; init; } = TimeSpan.FromMilliseconds(200);

    public TimeSpan Warmup { get; init; } = TimeSpan.FromMilliseconds(50);

    public string Name => "switch";

    public string Summary => "The price of a switch: ping-pong between two tasks on one thread, two threads, and two processes (pipe, futex), with context switches counted.";

    public static string Claim =>
        "A switch between two tasks on one thread never enters the kernel and costs the least; between threads or processes every hand-off "
        + "puts the waiting side to sleep in the kernel and wakes it again: at least one voluntary context switch per round trip.";

    public async Task<DemoResult> RunAsync(DemoOutput output, CancellationToken cancellationToken)
    {
        var cpus = Affinity.AllowedCpus();
        int a = cpus[0];
        int b = cpus.Count > 1 ? cpus[1] : -1;
        output.Say("Two parties hand a baton back and forth as fast as they can; a round trip is two switches. Each row runs");
        output.Say($"{Duration.TotalMilliseconds:0} ms after a {Warmup.TotalMilliseconds:0} ms warm-up. Context switches come from /proc, summed over every thread of");
        output.Say("every process involved. The median is over 0.2 ms bursts, leaving out the moments another program had the CPU;");
        output.Say($"the mean is all wall time (load average now: {LoadAverage()} on {Environment.ProcessorCount} CPUs).");
        output.Say();

        var rows = new List<(string Key, string Label, SwitchSample? Sample, string? Skipped)>
        {
            ("tasks", "2 tasks, 1 thread (cooperative)", await PingPong.TasksAsync(a, Warmup, Duration), null),
            ("threadsOneCpu", "2 threads, 1 CPU (AutoResetEvent)", await PingPong.ThreadsAsync(a, a, Warmup, Duration), null),
        };
        cancellationToken.ThrowIfCancellationRequested();
        rows.Add(b < 0
            ? ("threadsTwoCpus", "2 threads, 2 CPUs (AutoResetEvent)", null, "this process may use only one CPU")
            : ("threadsTwoCpus", "2 threads, 2 CPUs (AutoResetEvent)", await PingPong.ThreadsAsync(a, b, Warmup, Duration), null));

        var pipe = TransportRegistry.Default.Get("anon-pipe");
        rows.Add(("processesPipeOneCpu", "2 processes, 1 CPU (anonymous pipe)", await PingPong.ProcessesAsync(pipe, a, a, Warmup, Duration, cancellationToken), null));
        rows.Add(b < 0
            ? ("processesPipeTwoCpus", "2 processes, 2 CPUs (anonymous pipe)", null, "this process may use only one CPU")
            : ("processesPipeTwoCpus", "2 processes, 2 CPUs (anonymous pipe)", await PingPong.ProcessesAsync(pipe, a, b, Warmup, Duration, cancellationToken), null));
        rows.Add(TransportRegistry.Default.TryGet("mmf", out var mmf)
            ? ("processesFutexOneCpu", "2 processes, 1 CPU (futex: mmf wait=block)", await PingPong.ProcessesAsync(new BlockingWait(mmf), a, a, Warmup, Duration, cancellationToken), null)
            : ("processesFutexOneCpu", "2 processes, 1 CPU (futex: mmf wait=block)", null, "this build has no mmf transport"));

        output.Table(
            ["", "round trips", "ns/switch (median)", "(mean)", "voluntary/trip", "involuntary/trip"],
            [.. rows.Select(r => r.Sample is { } s
                ? new[] { r.Label, Num(s.RoundTrips, "N0"), Num(s.NsPerSwitch, "N0"), Num(s.MeanNsPerSwitch, "N0"), Num(s.VoluntaryPerRoundTrip, "0.00"), Num(s.InvoluntaryPerRoundTrip, "0.00") }
                : [r.Label, $"skipped: {r.Skipped}", "", "", "", ""])]);
        output.Say();

        var tasks = rows[0].Sample!;
        var threads = rows[1].Sample!;
        var process = rows[3].Sample!;
        output.Say("Tasks: a switch is a queue operation and a method call on one thread; the kernel never hears of it.");
        output.Say("Threads and processes: the waiting side sleeps in the kernel (a futex under AutoResetEvent, a read on the");
        output.Say("pipe) and must be woken, so every hand-off is a context switch: voluntary when the waiting side goes to sleep,");
        output.Say("involuntary when the side just woken takes the CPU from the one that woke it. That sleep and wake-up is most");
        output.Say($"of the price, and both pay it: on one CPU, {threads.NsPerSwitch:N0} ns per switch between threads, {process.NsPerSwitch:N0} ns between processes.");
        output.Say("A process switch also changes address space and copies each message into the kernel and out again, but");
        output.Say($"AutoResetEvent does bookkeeping of its own ({threads.VoluntaryPerRoundTrip + threads.InvoluntaryPerRoundTrip:0.0} context switches per round trip against the pipe's {process.VoluntaryPerRoundTrip + process.InvoluntaryPerRoundTrip:0.0}).");
        output.Say("Across two CPUs the kernel must wake a thread on the other CPU, and on a busy machine that thread then waits");
        output.Say("its turn there: the two-CPU rows mostly measure how busy the machine is.");
        if (rows[5].Skipped is { } why)
        {
            output.Say($"The futex row between processes was skipped: {why}.");
        }

        var measured = rows.Where(r => r.Sample is not null).ToList();
        var kernelRows = measured.Where(r => r.Key != "tasks").Select(r => r.Sample!).ToList();
        bool positive = measured.All(r => r.Sample!.RoundTrips > 0 && r.Sample.NsPerSwitch > 0);
        bool cheapest = tasks.NsPerSwitch < threads.NsPerSwitch && tasks.NsPerSwitch < process.NsPerSwitch;
        bool kernelFree = tasks.VoluntaryPerRoundTrip < 0.01;
        bool kernelSwitches = kernelRows.All(s => s.VoluntaryPerRoundTrip >= 1);
        bool held = positive && cheapest && kernelFree && kernelSwitches;
        string verdict = (held ? "Held: " : "Did not hold on this run: ")
            + $"{tasks.NsPerSwitch:N0} ns per switch between tasks ({tasks.VoluntaryPerRoundTrip:0.00} voluntary switches per round trip), "
            + $"{threads.NsPerSwitch:N0} ns between threads and {process.NsPerSwitch:N0} ns between processes on one CPU "
            + $"(at least {kernelRows.Min(s => s.VoluntaryPerRoundTrip):0.00} voluntary switches per round trip).";

        var figures = new JsonObject { ["milliseconds"] = Duration.TotalMilliseconds, ["loadAverage"] = LoadAverage(), ["cpus"] = new JsonArray([.. cpus.Take(2).Select(c => JsonValue.Create(c))]) };
        foreach (var (key, label, sample, skipped) in rows)
        {
            figures[key] = sample is { } s
                ? new JsonObject
                {
                    ["label"] = label,
                    ["roundTrips"] = s.RoundTrips,
                    ["nsPerSwitch"] = Math.Round(s.NsPerSwitch, 1),
                    ["meanNsPerSwitch"] = Math.Round(s.MeanNsPerSwitch, 1),
                    ["voluntaryPerRoundTrip"] = Math.Round(s.VoluntaryPerRoundTrip, 3),
                    ["involuntaryPerRoundTrip"] = Math.Round(s.InvoluntaryPerRoundTrip, 3),
                }
                : new JsonObject { ["label"] = label, ["skipped"] = skipped };
        }

        return new DemoResult(Name, Claim, held, verdict, figures);
    }

    private static string LoadAverage()
    {
        try
        {
            return File.ReadAllText("/proc/loadavg").Split(' ')[0];
        }
        catch (IOException)
        {
            return "unknown";
        }
    }

    private static string Num(double value, string format) => value.ToString(format, CultureInfo.CurrentCulture);

    /// <summary>The mmf transport with <c>wait=block</c> on every endpoint it makes: a waiting side sleeps on a futex.</summary>
    private sealed class BlockingWait(ITransport inner) : ITransport
    {
        public string Scheme => inner.Scheme;

        public IReadOnlyList<string> Aliases => inner.Aliases;

        public string Description => inner.Description;

        public Endpoint CreateEphemeralEndpoint(string scratchDirectory) =>
            inner.CreateEphemeralEndpoint(scratchDirectory).WithQueryValue("wait", "block");

        public ValueTask<IListener> ListenAsync(Endpoint endpoint, CancellationToken cancellationToken = default) =>
            inner.ListenAsync(endpoint, cancellationToken);

        public ValueTask<IConnection> ConnectAsync(Endpoint endpoint, CancellationToken cancellationToken = default) =>
            inner.ConnectAsync(endpoint, cancellationToken);
    }
}
