namespace IpcKit.EndToEnd.Tests;

/// <summary>
/// An ipckit run with a $TMPDIR of its own, for tests that check what a run leaves behind. Other programs and other
/// tests use the real /tmp and /dev/shm at the same time, so "nothing left" is judged only on what can be attributed to
/// this run: everything in its own $TMPDIR, and the mmf files in /dev/shm named for its coordinator's pid.
/// </summary>
internal sealed class DrillRun : IAsyncDisposable
{
    private DrillRun(string transport, string tempDirectory, IpcKitProcess process)
    {
        Transport = transport;
        TempDirectory = tempDirectory;
        Process = process;
    }

    /// <summary>The transport's scheme, as ipckit prints it.</summary>
    public string Transport { get; }

    /// <summary>The run's own $TMPDIR, removed on dispose.</summary>
    public string TempDirectory { get; }

    public IpcKitProcess Process { get; }

    /// <summary>The worker of the case in progress; 0 before <see cref="StartCaseAsync"/> returns.</summary>
    public int Worker { get; private set; }

    /// <summary>
    /// Starts `ipckit bench` on one transport (<c>mmf:spin</c> names mmf with a ring wait) with a 60 s latency case, and
    /// returns once the case is running, with its worker known.
    /// </summary>
    public static async Task<DrillRun> StartCaseAsync(string transport, IReadOnlyDictionary<string, string>? environment = null)
    {
        string[] parts = transport.Split(':');
        string[] args = ["bench", "--reference", "none", "--transport", parts[0], "--workload", "latency", "--sizes", "64", "--duration", "60s", .. parts.Length > 1 ? ["--wait", parts[1]] : Array.Empty<string>()];
        var drill = Start(parts[0], args, environment);
        try
        {
            await drill.Process.WaitForStderrAsync($"{parts[0]}: latency, 64");
            drill.Worker = Assert.Single(drill.Process.Workers());
            return drill;
        }
        catch
        {
            await drill.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts ipckit with <paramref name="args"/> and a $TMPDIR of its own, after <paramref name="prepare"/> has put in it what the test needs.</summary>
    public static DrillRun Start(string transport, IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null, Action<string>? prepare = null)
    {
        string temp = Directory.CreateTempSubdirectory("ipckit-drill-").FullName;
        prepare?.Invoke(temp);
        var env = new Dictionary<string, string>(environment ?? new Dictionary<string, string>()) { ["TMPDIR"] = temp };
        return new DrillRun(transport, temp, IpcKitProcess.Start(args, env));
    }

    /// <summary>Runs ipckit to its end in the same $TMPDIR, as the next run after this one, and returns its exit code and stderr.</summary>
    public async Task<(int ExitCode, string Stderr)> RunNextAsync(params string[] args)
    {
        await using var next = IpcKitProcess.Start(args, new Dictionary<string, string> { ["TMPDIR"] = TempDirectory });
        return (await next.WaitForExitAsync(), next.Stderr);
    }

    /// <summary>Files of this run (and of runs after it in the same $TMPDIR): all of its $TMPDIR, and its mmf files.</summary>
    public IReadOnlyList<string> Leftovers() =>
    [
        .. Directory.EnumerateFileSystemEntries(TempDirectory),
        .. SharedMemoryFiles(),
    ];

    /// <summary>Asserts that the worker has exited and that nothing of this run is left on disk.</summary>
    public async Task AssertNothingLeftAsync(string because = "")
    {
        Assert.True(Worker == 0 || await IpcKitProcess.WaitForPidExitAsync(Worker, TimeSpan.FromSeconds(15)), $"worker {Worker} is still running");
        var left = Leftovers();
        Assert.True(left.Count == 0, $"{Transport}: left behind{because}: {string.Join(", ", left)}\nstderr:\n{Process.Stderr}");
    }

    public async ValueTask DisposeAsync()
    {
        await Process.DisposeAsync();
        if (Worker != 0 && !await IpcKitProcess.WaitForPidExitAsync(Worker, TimeSpan.Zero))
        {
            _ = Kill(Worker, 9);
        }

        try
        {
            Directory.Delete(TempDirectory, recursive: true);
            foreach (string file in SharedMemoryFiles())
            {
                File.Delete(file);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }

    /// <summary>The mmf transport's files of this run: their names carry the coordinator's pid (<c>ipckit-mmf-ePID-…</c>).</summary>
    private IEnumerable<string> SharedMemoryFiles() =>
        Directory.Exists("/dev/shm")
            ? Directory.EnumerateFileSystemEntries("/dev/shm", $"ipckit-mmf-e{Process.Pid}-*")
            : [];

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill")]
    private static extern int Kill(int pid, int signal);
}
