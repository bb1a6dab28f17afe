using System.Globalization;
using System.Runtime.InteropServices;
using MessagePack;

namespace IpcKit.Protocol;

/// <summary>
/// CPU time and context switches of a whole process: every thread it has had, those that have exited included, so that
/// a difference of two readings can never go negative. A process reads its own with <see cref="Self"/>
/// (getrusage(RUSAGE_SELF)); a worker reports its own to the coordinator over the control channel.
/// </summary>
/// <param name="UserNs">User-mode CPU time in nanoseconds.</param>
/// <param name="SystemNs">Kernel-mode CPU time in nanoseconds.</param>
/// <param name="Voluntary">Voluntary context switches (the thread blocked, e.g. waiting for a message), summed over threads.</param>
/// <param name="Involuntary">Involuntary context switches (the scheduler preempted a runnable thread), summed over threads.</param>
[MessagePackObject(keyAsPropertyName: true)]
public readonly partial record struct ProcessCounters(long UserNs, long SystemNs, long Voluntary, long Involuntary)
{
    private static readonly long s_nsPerTick = 1_000_000_000L / 100; // USER_HZ is 100 on Linux

    /// <summary>The difference from an earlier reading.</summary>
    public ProcessCounters Since(ProcessCounters earlier) =>
        new(UserNs - earlier.UserNs, SystemNs - earlier.SystemNs, Voluntary - earlier.Voluntary, Involuntary - earlier.Involuntary);

    /// <summary>
    /// This process's counters from getrusage(RUSAGE_SELF): the kernel adds an exiting thread's CPU time and context
    /// switches to its process's totals, so these include threads that have ended (issue 11: summing the threads alive
    /// at the end of a case made counts drop when a thread exited). No library reads rusage, hence the P/Invoke.
    /// </summary>
    public static ProcessCounters Self()
    {
        if (GetRusage(RusageSelf, out var usage) != 0)
        {
            throw new InvalidOperationException($"getrusage failed (errno {Marshal.GetLastPInvokeError()}).");
        }

        return new(
            (usage.UserSeconds * 1_000_000L + usage.UserMicroseconds) * 1000,
            (usage.SystemSeconds * 1_000_000L + usage.SystemMicroseconds) * 1000,
            usage.VoluntaryContextSwitches,
            usage.InvoluntaryContextSwitches);
    }

    /// <summary>
    /// Reads the counters of another process from /proc, for the demos: CPU time (whole process, exited threads
    /// included) from /proc/PID/stat, context switches summed over /proc/PID/task/*/status — the threads alive now
    /// only (the process-level status file counts the main thread only), so a thread that ends between two readings
    /// takes its switches with it. `bench` uses <see cref="Self"/>.
    /// </summary>
    public static ProcessCounters Read(int pid)
    {
        long user = 0, system = 0, voluntary = 0, involuntary = 0;
        try
        {
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            // The command name is in parentheses and may contain spaces: fields are counted after the last ')'.
            string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            user = long.Parse(fields[11], CultureInfo.InvariantCulture) * s_nsPerTick;
            system = long.Parse(fields[12], CultureInfo.InvariantCulture) * s_nsPerTick;
            foreach (string task in Directory.EnumerateDirectories($"/proc/{pid}/task"))
            {
                try
                {
                    foreach (string line in File.ReadLines(Path.Combine(task, "status")))
                    {
                        if (line.StartsWith("voluntary_ctxt_switches:", StringComparison.Ordinal))
                        {
                            voluntary += long.Parse(line.AsSpan(24).Trim(), CultureInfo.InvariantCulture);
                        }
                        else if (line.StartsWith("nonvoluntary_ctxt_switches:", StringComparison.Ordinal))
                        {
                            involuntary += long.Parse(line.AsSpan(27).Trim(), CultureInfo.InvariantCulture);
                        }
                    }
                }
                catch (IOException)
                {
                    // The thread ended while we looked.
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return default;
        }

        return new(user, system, voluntary, involuntary);
    }

    private const int RusageSelf = 0;

    [LibraryImport("libc", EntryPoint = "getrusage", SetLastError = true)]
    private static partial int GetRusage(int who, out Rusage usage);

    /// <summary>struct rusage on 64-bit Linux: two timevals, then fourteen longs.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct Rusage
    {
        public long UserSeconds;
        public long UserMicroseconds;
        public long SystemSeconds;
        public long SystemMicroseconds;
        public long MaxRss;
        public long Ixrss;
        public long Idrss;
        public long Isrss;
        public long MinorFaults;
        public long MajorFaults;
        public long Swaps;
        public long BlocksIn;
        public long BlocksOut;
        public long MessagesSent;
        public long MessagesReceived;
        public long Signals;
        public long VoluntaryContextSwitches;
        public long InvoluntaryContextSwitches;
    }
}
