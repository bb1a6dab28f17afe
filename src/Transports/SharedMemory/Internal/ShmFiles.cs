using System.Globalization;
using IpcKit.Transports.Internal;

namespace IpcKit.Transports.SharedMemory.Internal;

/// <summary>
/// What IpcKit may do with a file under its name in the shared-memory directory. It removes only what it can prove it
/// made (issue 12): a regular file (never a link) of this user, whose header carries an IpcKit magic and the pid and
/// start time of a process that is gone.
/// </summary>
internal static class ShmFiles
{
    public const string Prefix = "ipckit-mmf-";

    /// <summary>Why this process must leave the file alone (not a regular file, or another user's); null when it is ours or gone.</summary>
    public static string? Foreign(string path)
    {
        if (Libc.Stat(path) is not { } stat)
        {
            return null;
        }

        if (!Libc.IsRegularFile(stat.Type))
        {
            return $"{path} is not a regular file";
        }

        uint me = Libc.GetEffectiveUserId();
        return stat.Owner == me ? null : $"{path} belongs to {UserName(stat.Owner)}, not to this user ({UserName(me)})";
    }

    /// <summary>
    /// Removes the listener and connection files in <paramref name="directory"/> that processes now dead left behind
    /// (killed with SIGKILL, or a crash), and returns their paths. A file whose owner is alive, another user's, a link,
    /// or one whose header is not IpcKit's is left alone.
    /// </summary>
    public static IReadOnlyList<string> RemoveStale(string directory)
    {
        var removed = new List<string>();
        IEnumerable<string> files;
        try
        {
            files = Directory.EnumerateFiles(directory, Prefix + "*").ToList();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return removed;
        }

        foreach (string file in files)
        {
            if (Foreign(file) is null
                && ShmSegment.Peek(file) is { Kind: HeaderKind.IpcKit } header
                && !header.Owner.IsAlive()
                && ShmSegment.TryUnlink(file, out _))
            {
                removed.Add(file);
            }
        }

        return removed;
    }

    /// <summary>A user's name from /etc/passwd with the uid, or just the uid.</summary>
    public static string UserName(uint uid)
    {
        string id = uid.ToString(CultureInfo.InvariantCulture);
        try
        {
            foreach (string line in File.ReadLines("/etc/passwd"))
            {
                string[] fields = line.Split(':');
                if (fields.Length > 2 && fields[2] == id)
                {
                    return $"user {fields[0]} (uid {id})";
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }

        return $"uid {id}";
    }
}
