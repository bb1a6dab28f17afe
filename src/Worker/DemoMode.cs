using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using IpcKit.Transports;

namespace IpcKit.Worker;

/// <summary>
/// The worker's side of `ipckit demo`: started as <c>IpcKit.Worker --demo NAME ...</c>, it speaks plain text lines on
/// stdin and stdout instead of the control protocol, and exits when stdin closes.
/// </summary>
internal static class DemoMode
{
    public static async Task<int> RunAsync(string[] args)
    {
        switch (args)
        {
            case ["isolation"]:
                return await IsolationAsync();
            case ["count", var text] when long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long increments):
                Count(increments);
                return 0;
            case ["gil", var u, var c] when long.TryParse(u, NumberStyles.None, CultureInfo.InvariantCulture, out long units)
                                              && long.TryParse(c, NumberStyles.None, CultureInfo.InvariantCulture, out long chunk) && chunk > 0:
                return Gil(units, chunk);
            case ["consume", var endpoint, var m] when int.TryParse(m, NumberStyles.None, CultureInfo.InvariantCulture, out int micros):
                return await ConsumeAsync(Endpoint.Parse(endpoint), micros);
            default:
                await Console.Error.WriteLineAsync("usage: IpcKit.Worker --demo isolation | count N | gil UNITS CHUNK | consume ENDPOINT MICROS (started by `ipckit demo`)");
                return 2;
        }
    }

    /// <summary>
    /// Reports <see cref="DemoState.Value"/> on <c>get</c>; on <c>receive ENDPOINT</c> connects there, takes the new
    /// value from the first message and stores it. The coordinator changes its own copy of the same field meanwhile.
    /// </summary>
    private static async Task<int> IsolationAsync()
    {
        var stdout = Console.Out;
        await stdout.WriteLineAsync(Invariant($"ready {DemoState.Value} {Environment.ProcessId}"));
        while (await Console.In.ReadLineAsync() is { } line)
        {
            if (line == "get")
            {
                await stdout.WriteLineAsync(Invariant($"value {DemoState.Value}"));
            }
            else if (line.StartsWith("receive ", StringComparison.Ordinal))
            {
                await using var connection = await TransportRegistry.Default.ConnectAsync(Endpoint.Parse(line["receive ".Length..]));
                var message = await connection.ReceiveAsync() ?? throw new InvalidOperationException("The coordinator closed the connection before sending the value.");
                DemoState.Value = BinaryPrimitives.ReadInt64LittleEndian(message.Span);
                await stdout.WriteLineAsync(Invariant($"received {DemoState.Value}"));
            }
            else
            {
                await Console.Error.WriteLineAsync($"ipckit-worker: unknown demo command '{line}'.");
                return 2;
            }
        }

        return 0;
    }

    /// <summary>
    /// The race demo's work, done alone: the same unsynchronized read-modify-write the coordinator's racing threads do,
    /// on a field no one else can see. Prints <c>count N NANOSECONDS</c>.
    /// </summary>
    private static void Count(long increments)
    {
        long start = Stopwatch.GetTimestamp();
        for (long i = 0; i < increments; i++)
        {
            Volatile.Write(ref s_counter, Volatile.Read(ref s_counter) + 1);
        }

        long ns = (long)Stopwatch.GetElapsedTime(start).TotalNanoseconds;
        Console.Out.WriteLine(Invariant($"count {s_counter} {ns}"));
    }

    private static long s_counter;

    /// <summary>
    /// The channel demo's slow consumer in a process of its own: connects to <paramref name="endpoint"/> and spends
    /// <paramref name="micros"/> µs on each message it receives. On <c>finish</c> (stdin) waits for the end of the
    /// stream and prints <c>total N</c>, the messages it received.
    /// </summary>
    private static async Task<int> ConsumeAsync(Endpoint endpoint, int micros)
    {
        await using var connection = await TransportRegistry.Default.ConnectAsync(endpoint);
        long consumed = 0;
        long ticks = micros * Stopwatch.Frequency / 1_000_000;
        var receiving = Task.Run(async () =>
        {
            while (await connection.ReceiveAsync() is not null)
            {
                long until = Stopwatch.GetTimestamp() + ticks;
                while (Stopwatch.GetTimestamp() < until)
                {
                    // the work a slow consumer does with each message
                }

                Interlocked.Increment(ref consumed);
            }
        });
        Console.Out.WriteLine("ready");
        while (await Console.In.ReadLineAsync() is { } line)
        {
            if (line == "finish")
            {
                await receiving;
                Console.Out.WriteLine(Invariant($"total {Interlocked.Read(ref consumed)}"));
                return 0;
            }
        }

        return 0;
    }

    /// <summary>
    /// The gil demo's work in a process of its own: after <c>go</c> on stdin, <paramref name="units"/> units of work in
    /// chunks, each under a lock only this process has. Prints <c>done CPU_NS WAIT_NS FINISH_TIMESTAMP</c>; the timestamp
    /// is Stopwatch's, which on Linux is CLOCK_MONOTONIC and so comparable with the coordinator's.
    /// </summary>
    private static int Gil(long units, long chunk)
    {
        var gate = new Lock();
        DemoWork.Run(Math.Min(units, 1000)); // JIT, so that the measured run is the work alone
        Console.Out.WriteLine("ready");
        if (Console.In.ReadLine() != "go")
        {
            return 2;
        }

        var before = ThreadStats.ReadCurrent();
        for (long done = 0; done < units; done += chunk)
        {
            lock (gate)
            {
                DemoWork.Run(Math.Min(chunk, units - done));
            }
        }

        var spent = ThreadStats.ReadCurrent().Since(before);
        Console.Out.WriteLine(Invariant($"done {spent.CpuNs} {spent.WaitNs} {Stopwatch.GetTimestamp()}"));
        return 0;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}

/// <summary>
/// CPU-bound work in units of a fixed size (a chain of square roots, each depending on the last, so the CPU cannot
/// skip or overlap them), the same in the coordinator's threads and in worker processes.
/// </summary>
internal static class DemoWork
{
    private static double s_sink;

    /// <summary>Does <paramref name="units"/> units of work (about a microsecond each).</summary>
    public static void Run(long units)
    {
        double x = Volatile.Read(ref s_sink);
        for (long u = 0; u < units; u++)
        {
            for (int i = 0; i < 256; i++)
            {
                x = Math.Sqrt(x + i);
            }
        }

        Volatile.Write(ref s_sink, x);
    }
}

/// <summary>
/// What the kernel knows about the calling thread, from <c>/proc/thread-self</c>: the CPU time it has had (in ns, from
/// schedstat, not the 10 ms ticks of stat), how long it waited runnable for a CPU, how many times it was put on one,
/// and its context switches. Reading a file needs no native code, and the kernel keeps these per thread.
/// </summary>
/// <param name="CpuNs">Time this thread spent running on a CPU.</param>
/// <param name="WaitNs">Time it spent runnable but waiting for a CPU.</param>
/// <param name="Slices">How many times it was put on a CPU (its time slices, as the kernel counts them).</param>
/// <param name="Voluntary">Context switches because it blocked or slept.</param>
/// <param name="Involuntary">Context switches because the scheduler took the CPU away (preemption).</param>
internal readonly record struct ThreadStats(long CpuNs, long WaitNs, long Slices, long Voluntary, long Involuntary)
{
    /// <summary>The calling thread's figures now. Zeros where the kernel does not provide them.</summary>
    public static ThreadStats ReadCurrent()
    {
        long cpu = 0, wait = 0, slices = 0, voluntary = 0, involuntary = 0;
        try
        {
            string[] sched = File.ReadAllText("/proc/thread-self/schedstat").Split(' ', StringSplitOptions.RemoveEmptyEntries);
            cpu = long.Parse(sched[0], CultureInfo.InvariantCulture);
            wait = long.Parse(sched[1], CultureInfo.InvariantCulture);
            slices = long.Parse(sched[2], CultureInfo.InvariantCulture);
            foreach (string line in File.ReadLines("/proc/thread-self/status"))
            {
                if (line.StartsWith("voluntary_ctxt_switches:", StringComparison.Ordinal))
                {
                    voluntary = long.Parse(line.AsSpan("voluntary_ctxt_switches:".Length).Trim(), CultureInfo.InvariantCulture);
                }
                else if (line.StartsWith("nonvoluntary_ctxt_switches:", StringComparison.Ordinal))
                {
                    involuntary = long.Parse(line.AsSpan("nonvoluntary_ctxt_switches:".Length).Trim(), CultureInfo.InvariantCulture);
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
        }

        return new ThreadStats(cpu, wait, slices, voluntary, involuntary);
    }

    public ThreadStats Since(ThreadStats earlier) =>
        new(CpuNs - earlier.CpuNs, WaitNs - earlier.WaitNs, Slices - earlier.Slices, Voluntary - earlier.Voluntary, Involuntary - earlier.Involuntary);
}

/// <summary>
/// The value the isolation demo changes. It is set when the process starts; every process that loads this assembly
/// (the coordinator does too) has its own copy, and a thread of that process sees the same one.
/// </summary>
internal static class DemoState
{
    public const long Initial = 1;

    private static long s_value = Initial;

    public static long Value
    {
        get => Volatile.Read(ref s_value);
        set => Volatile.Write(ref s_value, value);
    }
}
