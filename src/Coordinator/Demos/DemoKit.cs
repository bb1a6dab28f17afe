using System.Diagnostics;
using System.Globalization;
using IpcKit.Protocol;
using IpcKit.Worker;

namespace IpcKit.Coordinator.Demos;

/// <summary>This process's thread count and memory, from <c>/proc/self/status</c>.</summary>
/// <param name="Threads">Threads alive in the process.</param>
/// <param name="RssKiB">Resident memory: pages actually in RAM.</param>
/// <param name="VirtualKiB">Address space reserved, touched or not (thread stacks are reserved whole).</param>
internal readonly record struct ProcessStatus(int Threads, long RssKiB, long VirtualKiB)
{
    public static ProcessStatus Read()
    {
        int threads = 0;
        long rss = 0, size = 0;
        foreach (string line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("Threads:", StringComparison.Ordinal))
            {
                threads = int.Parse(Value(line), CultureInfo.InvariantCulture);
            }
            else if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                rss = long.Parse(Value(line), CultureInfo.InvariantCulture);
            }
            else if (line.StartsWith("VmSize:", StringComparison.Ordinal))
            {
                size = long.Parse(Value(line), CultureInfo.InvariantCulture);
            }
        }

        return new ProcessStatus(threads, rss, size);

        static string Value(string line) => line[(line.IndexOf(':') + 1)..].Replace("kB", "", StringComparison.Ordinal).Trim();
    }
}

/// <summary>Threads that started together: the wall time until the last one finished, and what each had from the kernel.</summary>
internal sealed record TogetherResult(TimeSpan Wall, IReadOnlyList<ThreadStats> Threads)
{
    public long CpuNs => Threads.Sum(t => t.CpuNs);

    public long WaitNs => Threads.Sum(t => t.WaitNs);

    /// <summary>CPU time over wall time: how many CPUs were busy with these threads at once, on average.</summary>
    public double CpusAtOnce => CpuNs / Math.Max(1.0, Wall.TotalNanoseconds);

    public double WallMs => Math.Round(Wall.TotalMilliseconds, 1);
}

/// <summary>Small things several demos share.</summary>
internal static class DemoKit
{
    public static readonly TimeSpan JoinTimeout = TimeSpan.FromSeconds(20);

    /// <summary>Starts a background thread, pinned to <paramref name="cpu"/> unless it is negative.</summary>
    public static Thread Start(string name, int cpu, Action body)
    {
        var thread = new Thread(() =>
        {
            if (cpu >= 0)
            {
                Affinity.PinCurrentThread(cpu);
            }

            body();
        })
        { IsBackground = true, Name = name };
        thread.Start();
        return thread;
    }

    /// <summary>
    /// Runs <paramref name="body"/>(i) on one thread per entry of <paramref name="cpus"/> (pinned there; -1 leaves it
    /// free), released at the same moment once all are ready, and measures each thread's own figures around the body.
    /// </summary>
    public static TogetherResult RunTogether(string name, IReadOnlyList<int> cpus, Action<int> body)
    {
        int n = cpus.Count;
        using var ready = new CountdownEvent(n);
        using var go = new ManualResetEventSlim(false);
        var stats = new ThreadStats[n];
        var finish = new long[n];
        var threads = Enumerable.Range(0, n).Select(i => Start($"{name}-{i}", cpus[i], () =>
        {
            ready.Signal();
            if (!go.Wait(JoinTimeout))
            {
                return;
            }

            var before = ThreadStats.ReadCurrent();
            body(i);
            stats[i] = ThreadStats.ReadCurrent().Since(before);
            finish[i] = Stopwatch.GetTimestamp();
        })).ToList();
        if (!ready.Wait(JoinTimeout))
        {
            throw new TimeoutException($"The {name} threads did not start within {JoinTimeout.TotalSeconds:0} s.");
        }

        long start = Stopwatch.GetTimestamp();
        go.Set();
        JoinAll(threads, name);
        return new TogetherResult(Stopwatch.GetElapsedTime(start, finish.Max()), stats);
    }

    /// <summary>How many work units take one thread on <paramref name="cpu"/> about <paramref name="target"/> of CPU time.</summary>
    public static long UnitsFor(int cpu, TimeSpan target)
    {
        const long Probe = 20_000;
        DemoWork.Run(Probe / 10); // JIT and caches
        var probe = RunTogether("ipckit-demo-probe", [cpu], _ => DemoWork.Run(Probe));
        double nsPerUnit = Math.Max(1, probe.CpuNs) / (double)Probe;
        return Math.Max(1000, (long)(target.TotalNanoseconds / nsPerUnit)) & ~1L;
    }

    /// <summary>Joins every thread within <see cref="JoinTimeout"/>, or throws.</summary>
    public static void JoinAll(IEnumerable<Thread> threads, string what)
    {
        foreach (var t in threads)
        {
            if (!t.Join(JoinTimeout))
            {
                throw new TimeoutException($"A {what} thread did not finish within {JoinTimeout.TotalSeconds:0} s.");
            }
        }
    }

    /// <summary>The 1-minute load average, as /proc/loadavg gives it.</summary>
    public static string LoadAverage()
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

    public static string N(double value, string format = "N0") => value.ToString(format, CultureInfo.CurrentCulture);

    public static double Ms(long ns) => Math.Round(ns / 1e6, 2);
}
