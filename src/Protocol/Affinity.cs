using System.Runtime.InteropServices;

namespace IpcKit.Protocol;

/// <summary>Pins the calling thread to one CPU (sched_setaffinity), and lists the CPUs this process may use.</summary>
public static partial class Affinity
{
    [LibraryImport("libc", EntryPoint = "sched_setaffinity", SetLastError = true)]
    private static unsafe partial int SetAffinity(int pid, nint size, ulong* mask);

    [LibraryImport("libc", EntryPoint = "sched_getaffinity", SetLastError = true)]
    private static unsafe partial int GetAffinity(int pid, nint size, ulong* mask);

    [LibraryImport("libc", EntryPoint = "sched_getcpu")]
    private static partial int GetCpu();

    private const int MaskWords = 16; // 1024 CPUs

    /// <summary>The CPUs this process is allowed to run on, in ascending order.</summary>
    public static unsafe IReadOnlyList<int> AllowedCpus()
    {
        ulong* mask = stackalloc ulong[MaskWords];
        if (GetAffinity(0, MaskWords * sizeof(ulong), mask) != 0)
        {
            return [.. Enumerable.Range(0, Environment.ProcessorCount)];
        }

        var cpus = new List<int>();
        for (int w = 0; w < MaskWords; w++)
        {
            for (int bit = 0; bit < 64; bit++)
            {
                if ((mask[w] & (1UL << bit)) != 0)
                {
                    cpus.Add((w * 64) + bit);
                }
            }
        }

        return cpus;
    }

    /// <summary>Pins the calling thread (not the whole process) to <paramref name="cpu"/>.</summary>
    /// <exception cref="InvalidOperationException">The kernel refused, for example because the CPU is not allowed.</exception>
    public static unsafe void PinCurrentThread(int cpu)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(cpu);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(cpu, MaskWords * 64);
        ulong* mask = stackalloc ulong[MaskWords];
        new Span<ulong>(mask, MaskWords).Clear();
        mask[cpu / 64] = 1UL << (cpu % 64);
        if (SetAffinity(0, MaskWords * sizeof(ulong), mask) != 0)
        {
            throw new InvalidOperationException($"Pinning to CPU {cpu} failed (errno {Marshal.GetLastPInvokeError()}); allowed CPUs: {string.Join(",", AllowedCpus())}.");
        }
    }

    /// <summary>The CPU the calling thread runs on now.</summary>
    public static int CurrentCpu() => GetCpu();
}
