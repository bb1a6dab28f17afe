using System.Globalization;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using IpcKit.Transports;
using IpcKit.Transports.NamedPipes;
using IpcKit.Transports.SharedMemory;

namespace IpcKit.Coordinator.Running;

/// <summary>
/// A private directory (mode 0700) for one run's socket and spool files, removed when the run ends however it ends.
/// Its name carries the coordinator's pid, and a marker file inside it proves that an IpcKit run made it, so that a
/// later run can sweep what a killed run left behind — and nothing else: a directory, file or link that merely has a
/// similar name is never touched (issue 12).
/// </summary>
internal sealed partial class ScratchSpace : IDisposable
{
    internal const string Prefix = "ipckit-";

    /// <summary>The marker in every scratch directory. Its first lines tie it to the directory's name and a random token.</summary>
    internal const string MarkerName = ".ipckit-run";

    private const string MarkerHeader = "ipckit-run v1";
    private const string SocketClaim = "socket ";
    private const string RuntimeClaim = "runtime ";

    /// <summary>What the .NET runtime makes in $TMPDIR for a process: a name prefix (followed by the pid) and the kind of file.</summary>
    private static readonly (string Prefix, FileKind Kind)[] RuntimeFiles = [("clr-debug-pipe-", FileKind.Fifo), ("dotnet-diagnostic-", FileKind.Socket)];
    private const int MaxMarkerBytes = 64 * 1024;

    private ScratchSpace(string path) => Path = path;

    public string Path { get; }

    private string MarkerPath => System.IO.Path.Combine(Path, MarkerName);

    public static ScratchSpace Create() => Create(System.IO.Path.GetTempPath(), Environment.ProcessId);

    /// <summary>
    /// Creates a scratch directory under <paramref name="root"/> (normally $TMPDIR) and writes its marker, for the
    /// coordinator <paramref name="pid"/> (this process; another only in tests of the sweep).
    /// </summary>
    internal static ScratchSpace Create(string root, int pid)
    {
        string token = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        string path = System.IO.Path.Combine(root, $"{Prefix}{pid}-{token[..8]}");
        Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        // CreateDirectory also accepts what is already there: insist on a directory of our own that nobody else may enter.
        if (FileStatus.Of(path) is not { Kind: FileKind.Directory, IsOurs: true } status || (status.Mode & 0x3F) != 0)
        {
            throw new IOException($"Cannot make a private scratch directory at {path}: something that is not a new directory of this user is already there.");
        }

        using (var marker = new StreamWriter(new FileStream(System.IO.Path.Combine(path, MarkerName), FileMode.CreateNew, FileAccess.Write)))
        {
            ulong start = Stat(pid)?.Start ?? 0;
            marker.Write(string.Create(CultureInfo.InvariantCulture, $"{MarkerHeader}\npid {pid}\ntoken {token}\nstart {start}\n"));
            if (pid == Environment.ProcessId)
            {
                // The .NET runtime made its debugger pipes and diagnostics socket in $TMPDIR when this process started, and
                // removes them only at a clean exit: claimed here, a run killed with SIGKILL leaves nothing for good.
                foreach (var (prefix, _) in RuntimeFiles)
                {
                    foreach (string file in Directory.EnumerateFileSystemEntries(root, $"{prefix}{pid}-*"))
                    {
                        marker.Write($"{RuntimeClaim}{System.IO.Path.GetFullPath(file)}\n");
                    }
                }
            }
        }

        return new ScratchSpace(path);
    }

    /// <summary>
    /// Records, before it exists, a file that listening on <paramref name="endpoint"/> makes outside this directory (a
    /// named pipe's socket lives in $TMPDIR itself), so that a later run may remove it should this one be killed.
    /// Endpoints whose files live inside this directory, or nowhere, need no claim.
    /// </summary>
    public void Claim(Endpoint endpoint)
    {
        if (endpoint.Scheme is "pipe" or "named-pipe")
        {
            ClaimSocket(NamedPipeTransport.GetSocketPath(endpoint.Address));
        }
    }

    /// <summary>Records a socket file this run is about to create next to its directory.</summary>
    internal void ClaimSocket(string path) => File.AppendAllText(MarkerPath, $"{SocketClaim}{path}\n");

    /// <summary>
    /// Removes what earlier runs left whose coordinator process is gone (killed with SIGKILL, or a machine crash).
    /// Returns what it removed, to be reported.
    /// </summary>
    public static IReadOnlyList<string> SweepStale(string? mmfDirectory = null)
    {
        var removed = new List<string>(SweepStaleRuns(System.IO.Path.GetTempPath()));

        // The mmf files of a killed run (issue 12): the transport removes only what it can prove is its own and dead.
        removed.AddRange(new MmfTransport().RemoveStaleFiles(mmfDirectory));
        return removed;
    }

    /// <summary>
    /// Removes the scratch directories under <paramref name="root"/> of runs that no longer exist, with the files next to
    /// them they claimed (named-pipe sockets, the runtime's diagnostics files). Only what carries the proof of an IpcKit
    /// run is removed: a real directory (not a link) named <c>ipckit-PID-TOKEN</c> and owned by this user, holding a
    /// marker (a regular file of this user) that names the same pid and token; and, of its claims, only sockets and
    /// pipes of this user in <paramref name="root"/> named for that pid. Everything else is left alone, and no link is
    /// ever followed.
    /// </summary>
    /// <remarks>
    /// $TMPDIR is normally sticky (/tmp is 1777), so once an entry is checked as ours no other user can swap it for
    /// something else before it is removed.
    /// </remarks>
    internal static IReadOnlyList<string> SweepStaleRuns(string root)
    {
        var removed = new List<string>();
        string directory = System.IO.Path.TrimEndingDirectorySeparator(System.IO.Path.GetFullPath(root));
        List<string> entries;
        try
        {
            entries = [.. Directory.EnumerateFileSystemEntries(directory, Prefix + "*")];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return removed;
        }

        foreach (string entry in entries)
        {
            if (StaleRun(entry) is not { } run)
            {
                continue;
            }

            try
            {
                foreach (string file in run.Claims.Where(claim => IsRemovable(claim, directory, run.Pid)).Select(claim => claim.Path))
                {
                    File.Delete(file);
                    removed.Add(file);
                }

                // Directory.Delete removes a link inside the tree as a link; it never descends into its target.
                Directory.Delete(entry, recursive: true);
                removed.Add(entry);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Being swept by another run at the same moment, or not ours to remove after all: leave it.
            }
        }

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

    /// <summary>The run that made <paramref name="entry"/>, when it is provably a scratch directory of a run that no longer exists.</summary>
    private static (int Pid, IReadOnlyList<(string Kind, string Path)> Claims)? StaleRun(string entry)
    {
        var name = ScratchName().Match(System.IO.Path.GetFileName(entry));
        if (!name.Success || !int.TryParse(name.Groups[1].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out int pid)
            || pid == Environment.ProcessId)
        {
            return null;
        }

        string marker = System.IO.Path.Combine(entry, MarkerName);
        if (FileStatus.Of(entry) is not { Kind: FileKind.Directory, IsOurs: true }
            || FileStatus.Of(marker) is not { Kind: FileKind.RegularFile, IsOurs: true })
        {
            return null;
        }

        string[] lines;
        try
        {
            using var stream = new FileStream(marker, FileMode.Open, FileAccess.Read);
            if (stream.Length > MaxMarkerBytes)
            {
                return null;
            }

            lines = new StreamReader(stream).ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        string token = name.Groups[2].Value;
        bool proven = lines is [MarkerHeader, var pidLine, var tokenLine, var startLine, ..]
                      && pidLine == string.Create(CultureInfo.InvariantCulture, $"pid {pid}")
                      && tokenLine.StartsWith("token " + token, StringComparison.Ordinal) && tokenLine.Length == "token ".Length + 32
                      && startLine.StartsWith("start ", StringComparison.Ordinal)
                      && ulong.TryParse(startLine.AsSpan(6), NumberStyles.None, CultureInfo.InvariantCulture, out ulong start)
                      && !IsRunning(pid, start);
        return proven ? (pid, [.. lines.Skip(4).Select(l => l.Split(' ', 2)).Where(p => p.Length == 2).Select(p => (p[0] + " ", p[1]))]) : null;
    }

    /// <summary>
    /// Whether the coordinator that made a scratch directory still runs: its pid is there, not a zombie (a killed
    /// coordinator its parent has not reaped yet), and started when the marker says (not a later process given the
    /// same pid). When that cannot be told, it is taken to run: its directory waits for a later sweep.
    /// </summary>
    private static bool IsRunning(int pid, ulong start) =>
        Stat(pid) is { } stat && stat.State is not ('Z' or 'X' or 'x') && (start == 0 || stat.Start == 0 || stat.Start == start);

    /// <summary>
    /// The state and start time (clock ticks after boot) of a process, from fields 3 and 22 of <c>/proc/PID/stat</c>;
    /// null when there is no such process, 0 for a start time that cannot be read.
    /// </summary>
    private static (char State, ulong Start)? Stat(int pid)
    {
        string stat;
        try
        {
            stat = File.ReadAllText(string.Create(CultureInfo.InvariantCulture, $"/proc/{pid}/stat"));
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return ('?', 0);
        }

        // The command name is in parentheses and may hold spaces: fields are counted after the last ')', from field 3.
        string[] fields = stat[(stat.LastIndexOf(')') + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return fields.Length > 19 && fields[0].Length == 1 && ulong.TryParse(fields[19], NumberStyles.None, CultureInfo.InvariantCulture, out ulong start)
            ? (fields[0][0], start)
            : ('?', 0);
    }

    /// <summary>
    /// Whether a file a dead run claimed may go: only a file right next to its scratch directory, named for that run's
    /// pid as the named-pipe transport or the runtime names it, of the kind they make (socket or pipe), and ours.
    /// </summary>
    private static bool IsRemovable((string Kind, string Path) claim, string directory, int pid)
    {
        string name = System.IO.Path.GetFileName(claim.Path);
        FileKind? expected = claim.Kind switch
        {
            SocketClaim when name.StartsWith($"CoreFxPipe_{Prefix}{pid}-", StringComparison.Ordinal) => FileKind.Socket,
            RuntimeClaim => RuntimeFiles.Where(f => name.StartsWith($"{f.Prefix}{pid}-", StringComparison.Ordinal)).Select(f => (FileKind?)f.Kind).FirstOrDefault(),
            _ => null,
        };
        return expected is not null && System.IO.Path.GetDirectoryName(claim.Path) == directory
            && FileStatus.Of(claim.Path) is { IsOurs: true } status && status.Kind == expected;
    }

    [GeneratedRegex("^ipckit-([0-9]{1,9})-([0-9a-f]{8})$", RegexOptions.CultureInvariant)]
    private static partial Regex ScratchName();
}
