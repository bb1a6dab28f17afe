using System.Globalization;
using System.Runtime.InteropServices;

namespace IpcKit.Peers.Worker;

/// <summary>
/// Pins every thread of this process to one CPU. A framework's server runs on threads it starts itself (Kestrel's,
/// the thread pool's, NetMQ's I/O thread), so pinning one thread, as IpcKit.Worker does, would not place the peer. A
/// thread inherits its creator's CPU mask, so pinning every thread that exists before the server starts places all
/// the ones that come later too.
/// </summary>
internal static partial class ProcessPinning
{
    private const int MaskWords = 16; // 1024 CPUs, as IpcKit.Protocol's Affinity

    [LibraryImport("libc", EntryPoint = "sched_setaffinity", SetLastError = true)]
    private static partial int SetAffinity(int tid, nint size, ulong[] mask);

    public static void PinAllThreads(int cpu)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(cpu);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(cpu, MaskWords * 64);
        var mask = new ulong[MaskWords];
        mask[cpu / 64] = 1UL << (cpu % 64);
        foreach (string task in Directory.EnumerateDirectories("/proc/self/task"))
        {
            int tid = int.Parse(Path.GetFileName(task), NumberStyles.None, CultureInfo.InvariantCulture);
            // A thread may have exited since the listing (ESRCH): that one needs no pinning.
            if (SetAffinity(tid, MaskWords * sizeof(ulong), mask) != 0 && Marshal.GetLastPInvokeError() != 3)
            {
                throw new InvalidOperationException($"Pinning thread {tid} to CPU {cpu} failed (errno {Marshal.GetLastPInvokeError()}).");
            }
        }
    }
}
