using System.Runtime.InteropServices;

namespace IpcKit.Transports.Internal;

/// <summary>
/// Plain <c>read(2)</c> and <c>write(2)</c> on a descriptor, for the blocking path of anonymous pipes
/// (AnonymousPipes/Internal/PipeEndStream.cs says why .NET's own layers are not used there).
/// </summary>
internal static partial class Libc
{
    internal const int ErrnoInterrupted = 4; // EINTR
    internal const int ErrnoWouldBlock = 11; // EAGAIN

    [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
    internal static unsafe partial nint Read(int fd, byte* buffer, nint count);

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    internal static unsafe partial nint Write(int fd, byte* buffer, nint count);

    /// <summary>The IOException for a failed call, with the system's text for the error (EPIPE: "Broken pipe").</summary>
    internal static IOException IoError(string operation, int errno) =>
        new($"Could not {operation}: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno}).", errno);
}
