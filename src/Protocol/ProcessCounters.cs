using System.Globalization;
using MessagePack;

namespace IpcKit.Protocol;

/// <summary>CPU time and context switches of a whole process, read from /proc.</summary>
/// <param name="UserNs">User-mode CPU time in nanoseconds.</param>
/// <param name="SystemNs">Kernel-mode CPU time in nanoseconds.</param>
/// <param name="Voluntary">Voluntary context switches (the thread blocked, e.g. waiting for a message), summed over threads.</param>
/// <param name="Involuntary">Involuntary context switches (the scheduler preempted a runnable thread), summed over threads.</param>
[MessagePackObject(keyAsPropertyName: true)]
public readonly record struct ProcessCounters(long UserNs, long SystemNs, long Voluntary, long Involuntary)
{
    private static readonly long s_nsPerTick = 1_000_000_000L / 100; // USER_HZ is 100 on Linux

    /// <summary>The difference from an earlier reading.</summary>
    public ProcessCounters Since(ProcessCounters earlier) =>
        new(UserNs - earlier.UserNs, SystemNs - earlier.SystemNs, Voluntary - earlier.Voluntary, Involuntary - earlier.Involuntary);

    /// <summary>
    /// Reads the counters of a process: CPU time from /proc/PID/stat, context switches summed over
    /// /proc/PID/task/*/status (the process-level status file counts the main thread only).
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
}
