using System.Runtime.InteropServices;

namespace IpcKit.Transports.Internal;

/// <summary>
/// Plain <c>read(2)</c>, <c>write(2)</c> and <c>shutdown(2)</c> on a descriptor, for the blocking path of pipes
/// (Internal/PipeEndStream.cs says why .NET's own layers are not used there).
/// </summary>
internal static partial class Libc
{
    internal const int ErrnoInterrupted = 4; // EINTR
    internal const int ErrnoWouldBlock = 11; // EAGAIN

    [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
    internal static unsafe partial nint Read(int fd, byte* buffer, nint count);

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    internal static unsafe partial nint Write(int fd, byte* buffer, nint count);

    [LibraryImport("libc", EntryPoint = "shutdown", SetLastError = true)]
    private static partial int Shutdown(int fd, int how);

    /// <summary>Shuts a socket down both ways (SHUT_RDWR), which wakes a read blocked on it; errors are ignored (already closed, not connected).</summary>
    internal static void TryShutdown(SafeHandle socket)
    {
        bool held = false;
        try
        {
            socket.DangerousAddRef(ref held);
            _ = Shutdown((int)socket.DangerousGetHandle(), 2);
        }
        catch (ObjectDisposedException)
        {
        }
        finally
        {
            if (held)
            {
                socket.DangerousRelease();
            }
        }
    }

    /// <summary>The IOException for a failed call, with the system's text for the error (EPIPE: "Broken pipe").</summary>
    internal static IOException IoError(string operation, int errno) =>
        new($"Could not {operation}: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno}).", errno);
}
