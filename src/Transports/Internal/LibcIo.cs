using System.Runtime.InteropServices;

namespace IpcKit.Transports.Internal;

/// <summary>
/// Plain <c>read(2)</c>, <c>write(2)</c>, <c>shutdown(2)</c> and a pipe reader's wake-up on a descriptor, for the blocking path of pipes
/// (Internal/DescriptorStream.cs says why .NET's own layers are not used there).
/// </summary>
internal static partial class Libc
{
    internal const int ErrnoInterrupted = 4; // EINTR
    internal const int ErrnoWouldBlock = 11; // EAGAIN

    // Read and Write are the hot path of every blocking send and receive, so they skip SetLastError, whose stub clears
    // errno before the call and copies it after, on every call: a caller reads errno (Marshal.GetLastSystemError) right
    // after a call that returned -1, which is what the SetLastError stub itself does after the call, and the only case
    // in which read(2) and write(2) set it.

    [LibraryImport("libc", EntryPoint = "read")]
    internal static unsafe partial nint Read(int fd, byte* buffer, nint count);

    [LibraryImport("libc", EntryPoint = "write")]
    internal static unsafe partial nint Write(int fd, byte* buffer, nint count);

    [LibraryImport("libc", EntryPoint = "shutdown", SetLastError = true)]
    private static partial int Shutdown(int fd, int how);

    /// <summary>Shuts a socket down both ways (SHUT_RDWR), which wakes a read blocked on it; errors are ignored (already closed, not connected).</summary>
    internal static void TryShutdown(SafeHandle socket)
    {
        try
        {
            using var hold = new DescriptorHold(socket);
            _ = Shutdown(hold.Fd, 2);
        }
        catch (ObjectDisposedException)
        {
        }
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);

    /// <summary>
    /// Wakes a read blocked on the read end <paramref name="readEnd"/> of a pipe by writing one byte into that pipe,
    /// through a write end of its own opened at /proc/self/fd (Linux opens a pipe's /proc entry like a FIFO, in either
    /// direction). A pipe has no shutdown(2), and closing the read end does not wake a read already blocked on it. The
    /// byte is only ever seen by a read of a stream being disposed, which discards it. Best effort, never blocks.
    /// </summary>
    internal static void TryWakePipeReader(SafeHandle readEnd)
    {
        try
        {
            using var hold = new DescriptorHold(readEnd);
            int fd = Open($"/proc/self/fd/{hold.Fd}", 0x1 /* O_WRONLY */ | 0x800 /* O_NONBLOCK */ | 0x80000 /* O_CLOEXEC */);
            if (fd >= 0)
            {
                byte wake = 0;
                unsafe
                {
                    _ = Write(fd, &wake, 1); // EAGAIN when the pipe is full: then no read is blocked on it
                }

                _ = Close(fd);
            }
        }
        catch (ObjectDisposedException)
        {
        }
    }

    /// <summary>The IOException for a failed call, with the system's text for the error (EPIPE: "Broken pipe").</summary>
    internal static IOException IoError(string operation, int errno) =>
        new($"Could not {operation}: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno}).", errno);
}

/// <summary>
/// Holds a descriptor open for the length of one call (<see cref="SafeHandle.DangerousAddRef"/>), so that a dispose on
/// another thread cannot close it, and a new file take its number, while the call runs; disposing releases it. Throws
/// <see cref="ObjectDisposedException"/> if the handle is closed already.
/// </summary>
internal ref struct DescriptorHold
{
    private readonly SafeHandle _handle;
    private bool _held;

    public DescriptorHold(SafeHandle handle)
    {
        _handle = handle;
        handle.DangerousAddRef(ref _held);
    }

    public readonly int Fd => (int)_handle.DangerousGetHandle();

    public void Dispose()
    {
        if (_held)
        {
            _held = false;
            _handle.DangerousRelease();
        }
    }
}
