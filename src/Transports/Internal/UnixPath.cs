using System.Net.Sockets;
using System.Text;

namespace IpcKit.Transports.Internal;

/// <summary>Shared handling of filesystem socket paths: the length limit, and telling a live socket from a stale one.</summary>
internal static class UnixPath
{
    /// <summary>sun_path holds 108 bytes including the terminating NUL.</summary>
    internal const int MaxPathBytes = 107;

    internal static void CheckLength(string path, string what)
    {
        int bytes = Encoding.UTF8.GetByteCount(path);
        if (bytes > MaxPathBytes)
        {
            throw new ArgumentException(
                $"The {what} path '{path}' is {bytes} bytes long; Unix socket paths are limited to {MaxPathBytes} bytes. Use a shorter name or directory (for example set TMPDIR=/tmp).");
        }
    }

    /// <summary>
    /// Makes sure a socket can be bound at <paramref name="path"/>. A live socket there (one that accepts a connection)
    /// is in use; a socket nobody listens on is left from a crashed run and is removed, which the result reports;
    /// anything that is not a socket is never touched.
    /// </summary>
    /// <returns>True when a stale socket file was found and removed.</returns>
    internal static bool ClaimSocketPath(string path, string endpointText)
    {
        if (Libc.Stat(path) is not { } stat)
        {
            return false;
        }

        if (!Libc.IsSocket(stat.Type))
        {
            throw new EndpointInUseException(
                $"Cannot listen on {endpointText}: '{path}' exists and is not a socket. IpcKit does not remove files it did not create; delete it or choose another path.");
        }

        if (stat.Owner != Libc.GetEffectiveUserId())
        {
            throw new EndpointInUseException(
                $"Cannot listen on {endpointText}: the socket '{path}' belongs to another user (uid {stat.Owner}).");
        }

        using (var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
        {
            try
            {
                probe.Connect(new UnixDomainSocketEndPoint(path));
                throw new EndpointInUseException(
                    $"Cannot listen on {endpointText}: another process is listening there. Stop it or choose another endpoint.");
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionRefused)
            {
                // Nobody accepts: the file outlived the process that made it.
            }
        }

        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new EndpointInUseException($"Cannot listen on {endpointText}: the stale socket '{path}' could not be removed ({e.Message}).", e);
        }

        return true;
    }
}
