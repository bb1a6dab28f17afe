namespace IpcKit.Peers;

/// <summary>The rules a peer server's Unix socket follows: a fresh path in a private directory, removed by its maker.</summary>
internal static class PeerSockets
{
    /// <summary>
    /// Checks that <paramref name="path"/> can become this server's socket: its directory is this user's own and closed
    /// to group and others (so nobody else can reach the socket, even in the instant before it is made 0600), and
    /// nothing is at the path yet (a server never replaces what it did not make).
    /// </summary>
    /// <exception cref="ArgumentException">Either rule is broken; the message says which.</exception>
    public static void RequireFreshPrivatePath(string path)
    {
        string directory = Path.GetDirectoryName(Path.GetFullPath(path)) ?? "/";
        var mode = File.GetUnixFileMode(directory);
        if ((mode & (UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
                     | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute)) != 0)
        {
            throw new ArgumentException($"A peer's socket must be in a private directory (mode 0700); {directory} is open to others.", nameof(path));
        }

        if (File.Exists(path) || Directory.Exists(path))
        {
            throw new ArgumentException($"Something is already at {path}; a peer server binds only a fresh path.", nameof(path));
        }

        if (System.Text.Encoding.UTF8.GetByteCount(path) > 107)
        {
            throw new ArgumentException($"The socket path {path} is longer than the 107 bytes a Unix socket address holds.", nameof(path));
        }
    }

    /// <summary>Removes the socket a server bound (it checked the path was free first, so the file is its own).</summary>
    public static void DeleteOwnSocket(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The directory is going away with its owner's run; nothing else can be done here.
        }
    }
}
