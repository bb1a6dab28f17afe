using System.Runtime.InteropServices;

namespace IpcKit.Transports.Internal;

/// <summary>Shared mappings, space reservation and the futex syscall, for the ring transports.</summary>
internal static partial class Libc
{
    private const int PROT_READ = 1;
    private const int PROT_WRITE = 2;
    private const int MAP_SHARED = 1;
    private const int MAP_POPULATE = 0x8000;
    private const int FUTEX_WAIT = 0;
    private const int FUTEX_WAKE = 1;
    private const int FUTEX_PRIVATE_FLAG = 128;
    private const int EINTR = 4;
    private const int MEMBARRIER_CMD_QUERY = 0;
    private const int MEMBARRIER_CMD_GLOBAL_EXPEDITED = 1 << 1;
    private const int MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED = 1 << 2;

    // syscall(2) numbers for futex: x86-64 has its own table; arm64, riscv64 and loongarch64 share the generic one.
    private static readonly nint s_sysFutex = RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.X64 => 202,
        Architecture.X86 or Architecture.Arm => 240,
        _ => 98,
    };

    // membarrier(2): x86-64 324, the generic table (arm64, riscv64, loongarch64) 283; elsewhere not used.
    private static readonly nint s_sysMembarrier = RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.X64 => 324,
        Architecture.Arm64 or Architecture.RiscV64 or Architecture.LoongArch64 => 283,
        _ => -1,
    };

    private static readonly Lazy<bool> s_globalBarrier = new(RegisterGlobalBarrier);

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public nint Seconds;
        public nint Nanoseconds;
    }

    private const int FALLOC_FL_KEEP_SIZE = 1;
    private const int FALLOC_FL_PUNCH_HOLE = 2;

    [LibraryImport("libc", EntryPoint = "fallocate", SetLastError = true)]
    private static partial int Fallocate(int fd, int mode, long offset, long length);

    [LibraryImport("libc", EntryPoint = "posix_fallocate")]
    private static partial int PosixFallocate(int fd, long offset, long length);

    [LibraryImport("libc", EntryPoint = "mmap", SetLastError = true)]
    private static unsafe partial void* Mmap(void* address, nuint length, int protection, int flags, int fd, long offset);

    [LibraryImport("libc", EntryPoint = "munmap", SetLastError = true)]
    private static unsafe partial int Munmap(void* address, nuint length);

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static unsafe partial nint FutexSyscall(nint number, uint* address, int operation, uint value, TimeSpec* timeout, nint address2, uint value3);

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static partial int MembarrierSyscall(nint number, int command, uint flags, int cpu);

    /// <summary>
    /// True once this process is registered for membarrier's global expedited command, and the command works: then
    /// <see cref="GlobalBarrier"/> runs a full memory barrier on every CPU that is running a thread of any process so
    /// registered. The first call registers (process-wide, for the life of the process). Setting the environment
    /// variable <c>IPCKIT_MEMBARRIER=0</c> turns this off, and the rings fence on every message instead.
    /// </summary>
    internal static bool GlobalBarrierReady => s_globalBarrier.Value;

    /// <summary>A full memory barrier on every CPU running a registered process's thread; false if the call failed.</summary>
    internal static bool GlobalBarrier() => MembarrierSyscall(s_sysMembarrier, MEMBARRIER_CMD_GLOBAL_EXPEDITED, 0, 0) == 0;

    private static bool RegisterGlobalBarrier()
    {
        if (s_sysMembarrier < 0 || Environment.GetEnvironmentVariable("IPCKIT_MEMBARRIER") == "0")
        {
            return false;
        }

        const int Needed = MEMBARRIER_CMD_GLOBAL_EXPEDITED | MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED;
        int supported = MembarrierSyscall(s_sysMembarrier, MEMBARRIER_CMD_QUERY, 0, 0);
        return supported >= 0 && (supported & Needed) == Needed
            && MembarrierSyscall(s_sysMembarrier, MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED, 0, 0) == 0
            && GlobalBarrier();
    }

    /// <summary>Reserves the file's blocks now, so that a full file system fails here and not as SIGBUS on a later write.</summary>
    /// <returns>0, or the errno (ENOSPC 28, EFBIG 27, EOPNOTSUPP 95…).</returns>
    internal static int Reserve(SafeHandle file, long length) => PosixFallocate((int)file.DangerousGetHandle(), 0, length);

    /// <summary>Deallocates a range of a file, keeping its size (the range then reads as zeros).</summary>
    /// <returns>0, or the errno (EOPNOTSUPP 95 where the file system cannot punch holes).</returns>
    internal static int PunchHole(SafeHandle file, long offset, long length) =>
        Fallocate((int)file.DangerousGetHandle(), FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, offset, length) == 0 ? 0 : Marshal.GetLastPInvokeError();

    /// <summary>
    /// Maps a whole file read-write and shared; null on failure with the errno in <paramref name="errno"/>. The page
    /// tables are filled now (MAP_POPULATE), so the hot path never takes a page fault.
    /// </summary>
    internal static unsafe byte* MapShared(SafeHandle file, long length, out int errno)
    {
        void* p = Mmap(null, (nuint)length, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, (int)file.DangerousGetHandle(), 0);
        errno = Marshal.GetLastPInvokeError();
        return p == (void*)-1 ? null : (byte*)p;
    }

    internal static unsafe void Unmap(byte* address, long length) => _ = Munmap(address, (nuint)length);

    /// <summary>
    /// Sleeps while <c>*address == expected</c>, at most <paramref name="timeoutMs"/>. Returns on a wake, a timeout, a
    /// signal, or at once when the word already differs: callers always re-check their condition.
    /// </summary>
    internal static unsafe void FutexWait(uint* address, uint expected, int timeoutMs, bool processPrivate)
    {
        var timeout = new TimeSpec { Seconds = timeoutMs / 1000, Nanoseconds = (timeoutMs % 1000) * 1_000_000 };
        _ = FutexSyscall(s_sysFutex, address, FUTEX_WAIT | (processPrivate ? FUTEX_PRIVATE_FLAG : 0), expected, &timeout, 0, 0);
    }

    /// <summary>Wakes every thread (of any process, for a shared mapping) sleeping on the word.</summary>
    internal static unsafe void FutexWakeAll(uint* address, bool processPrivate)
    {
        while (FutexSyscall(s_sysFutex, address, FUTEX_WAKE | (processPrivate ? FUTEX_PRIVATE_FLAG : 0), int.MaxValue, null, 0, 0) < 0
               && Marshal.GetLastPInvokeError() == EINTR)
        {
        }
    }
}
