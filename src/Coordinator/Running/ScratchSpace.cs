using System.Globalization;
using IpcKit.Transports.NamedPipes;
using IpcKit.Transports.SharedMemory;

namespace IpcKit.Coordinator.Running;

/// <summary>
/// A private directory (mode 0700) for one run's socket and spool files, removed when the run ends however it ends.
/// Its name carries the coordinator's pid, so that a later run can tell and sweep what a killed run left behind.
/// </summary>
internal sealed class ScratchSpace : IDisposable
{
    private const string Prefix = "ipckit-";

    private ScratchSpace(string path) => Path = path;

    public string Path { get; }

    public static ScratchSpace Create()
    {
        string root = System.IO.Path.GetTempPath();
        string path = System.IO.Path.Combine(root, $"{Prefix}{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..8]}");
        Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return new ScratchSpace(path);
    }

    /// <summary>
    /// Removes scratch directories and named-pipe files of earlier runs whose coordinator process is gone (killed with
    /// SIGKILL, or a machine crash). Returns what it removed, to be reported.
    /// </summary>
    public static IReadOnlyList<string> SweepStale(string? mmfDirectory = null)
    {
        var removed = new List<string>();
        string root = System.IO.Path.GetTempPath();
        string pipePrefix = System.IO.Path.GetFileName(NamedPipeTransport.GetSocketPath(Prefix));
        try
        {
            foreach (string entry in Directory.EnumerateFileSystemEntries(root))
            {
                string name = System.IO.Path.GetFileName(entry);
                string? rest = name.StartsWith(Prefix, StringComparison.Ordinal) ? name[Prefix.Length..]
                    : name.StartsWith(pipePrefix, StringComparison.Ordinal) ? name[pipePrefix.Length..]
                    : null;
                int dash = rest?.IndexOf('-', StringComparison.Ordinal) ?? -1;
                if (rest is null || dash <= 0 || !int.TryParse(rest.AsSpan(0, dash), NumberStyles.None, CultureInfo.InvariantCulture, out int pid)
                    || pid == Environment.ProcessId || Directory.Exists($"/proc/{pid}"))
                {
                    continue;
                }

                try
                {
                    if (Directory.Exists(entry))
                    {
                        Directory.Delete(entry, recursive: true);
                    }
                    else
                    {
                        File.Delete(entry);
                    }

                    removed.Add(entry);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    // Another user's, or in use: leave it.
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }

        // The mmf files of a killed run (issue 12): the transport removes only what it can prove is its own and dead.
        removed.AddRange(new MmfTransport().RemoveStaleFiles(mmfDirectory));
        return removed;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }
}
