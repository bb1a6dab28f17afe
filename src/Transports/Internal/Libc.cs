using System.Runtime.InteropServices;

namespace IpcKit.Transports.Internal;

/// <summary>The few libc calls .NET does not expose. Linux only; every transport is Linux-first.</summary>
internal static partial class Libc
{
    private const int S_IFMT = 0xF000;
    private const int S_IFSOCK = 0xC000;
    private const int S_IFREG = 0x8000;

    [LibraryImport("libc", EntryPoint = "lstat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int LStat(string path, byte* buffer);

    [LibraryImport("libc", EntryPoint = "geteuid")]
    internal static partial uint GetEffectiveUserId();

    /// <summary>What <c>lstat</c> says of a path: its file type bits, owner and mode, or null when nothing is there.</summary>
    internal static unsafe (int Type, uint Owner, int Mode)? Stat(string path)
    {
        byte* buffer = stackalloc byte[256];
        if (LStat(path, buffer) != 0)
        {
            return null;
        }

        // struct stat differs by architecture: x86-64 puts st_nlink (8 bytes) before st_mode, the generic layout
        // (arm64) puts st_mode (4 bytes) then st_nlink (4 bytes).
        int modeOffset = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 24 : 16;
        int mode = *(int*)(buffer + modeOffset);
        uint uid = *(uint*)(buffer + modeOffset + (RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 4 : 8));
        return (mode & S_IFMT, uid, mode & 0xFFF);
    }

    /// <summary>Bytes a file occupies on its file system (st_blocks × 512; less than its size where it has holes), or null.</summary>
    internal static unsafe long? AllocatedBytes(string path)
    {
        byte* buffer = stackalloc byte[256];
        // st_blocks is at offset 64 in both the x86-64 and the generic (arm64) struct stat.
        return LStat(path, buffer) == 0 ? *(long*)(buffer + 64) * 512 : null;
    }

    internal static bool IsSocket(int type) => type == S_IFSOCK;

    internal static bool IsRegularFile(int type) => type == S_IFREG;
}

/// <summary>Descriptor helpers for inherited pipe ends.</summary>
internal static partial class Libc
{
    private const int F_GETFD = 1;
    private const int F_DUPFD_CLOEXEC = 1030;
    private const int F_SETPIPE_SZ = 1031;
    private const int F_GETPIPE_SZ = 1032;

    [LibraryImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    private static partial int Fcntl(int fd, int command, int argument);

    /// <summary>True when the descriptor is open in this process.</summary>
    internal static bool FdIsOpen(nint fd) => Fcntl((int)fd, F_GETFD, 0) >= 0;

    /// <summary>A duplicate of the descriptor that child processes do not inherit.</summary>
    internal static nint DuplicateCloseOnExec(nint fd)
    {
        int copy = Fcntl((int)fd, F_DUPFD_CLOEXEC, 3);
        if (copy < 0)
        {
            throw new IpcException($"Duplicating descriptor {fd} failed (errno {Marshal.GetLastPInvokeError()}).");
        }

        return copy;
    }

    /// <summary>
    /// Asks the kernel to make a pipe's buffer at least <paramref name="bytes"/> long (it rounds up to a power-of-two
    /// number of pages). Best effort: above /proc/sys/fs/pipe-max-size, or past the user's pipe page quota, the pipe
    /// keeps the size it has. Returns the size it has afterwards, or -1 when the descriptor is not a pipe.
    /// </summary>
    internal static int TrySetPipeSize(nint fd, int bytes)
    {
        int now = Fcntl((int)fd, F_SETPIPE_SZ, bytes);
        return now >= 0 ? now : Fcntl((int)fd, F_GETPIPE_SZ, 0);
    }

    /// <summary>A pipe's buffer size in bytes, or -1 when the descriptor is not a pipe.</summary>
    internal static int PipeSize(nint fd) => Fcntl((int)fd, F_GETPIPE_SZ, 0);
}
