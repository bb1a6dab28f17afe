using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading.Channels;
using CliWrap;

namespace IpcKit.EndToEnd.Tests;

/// <summary>
/// The real `ipckit` (the coordinator binary built from this tree) in its own process, run with CliWrap: its output,
/// its workers, and what it leaves on disk. Its stdin stays open until disposal, as a terminal's would. Disposing kills
/// whatever is left, so a failing test cannot leak processes.
/// </summary>
internal sealed partial class IpcKitProcess : IAsyncDisposable
{
    /// <summary>
    /// How long a whole run (or a wait for a line of it) may take before the test fails rather than hangs. A quick bench
    /// of four transports takes 30-40 s at load 15 and more than 60 s at load 50 (its trials start a worker process
    /// each), as a shared 2-core CI machine can be: generous, and still under `dotnet test --blame-hang-timeout 5m`.
    /// </summary>
    public static readonly TimeSpan Deadline = TimeSpan.FromMinutes(3);

    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly Channel<string> _stderrLines = Channel.CreateUnbounded<string>();
    private readonly HashSet<int> _workers = [];
    private readonly TaskCompletionSource _closeInput = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _kill = new();
    private readonly CommandTask<CommandResult> _run;
    private readonly string _temp;
    private bool _killed;

    private IpcKitProcess(Command command, string temp)
    {
        _temp = temp;
        _run = command
            .WithStandardInputPipe(PipeSource.Create(async (_, cancellationToken) => await _closeInput.Task.WaitAsync(cancellationToken)))
            .WithStandardOutputPipe(PipeTarget.ToDelegate(l =>
            {
                lock (_stdout)
                {
                    _stdout.AppendLine(l);
                }
            }))
            .WithStandardErrorPipe(PipeTarget.ToDelegate(l =>
            {
                lock (_stderr)
                {
                    _stderr.AppendLine(l);
                }

                _stderrLines.Writer.TryWrite(l);
            }))
            .WithValidation(CommandResultValidation.None)
            .ExecuteAsync(_kill.Token);
        Pid = _run.ProcessId;
    }

    public int Pid { get; }

    public string Stdout { get { lock (_stdout) { return _stdout.ToString(); } } }

    public string Stderr { get { lock (_stderr) { return _stderr.ToString(); } } }

    public static string BinaryDirectory => AppContext.BaseDirectory;

    /// <remarks>
    /// ipckit runs under <c>env --default-signal=INT</c>, which then execs it (same pid). A test runner started as a
    /// background job of a script inherits SIGINT ignored, its children too, and .NET rightly leaves an ignored SIGINT
    /// ignored, so a Ctrl+C test would wait in vain. A terminal user's ipckit has SIGINT at its default, as here.
    /// </remarks>
    public static IpcKitProcess Start(IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null, string? workingDirectory = null) =>
        new(Cli.Wrap("env")
            .WithArguments(["--default-signal=INT", Path.Combine(BinaryDirectory, "IpcKit.Coordinator"), .. args])
            .WithWorkingDirectory(workingDirectory ?? BinaryDirectory)
            .WithEnvironmentVariables((environment ?? new Dictionary<string, string>()).ToDictionary(e => e.Key, string? (e) => e.Value)),
            environment?.GetValueOrDefault("TMPDIR") ?? Path.GetTempPath());

    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(params string[] args)
    {
        await using var run = Start(args);
        int code = await run.WaitForExitAsync();
        return (code, run.Stdout, run.Stderr);
    }

    public async Task<int> WaitForExitAsync(TimeSpan? timeout = null)
    {
        try
        {
            // CliWrap completes the run once the process has exited and both output pipes are drained.
            return (await _run.Task.WaitAsync(timeout ?? Deadline)).ExitCode;
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"ipckit did not exit within {(timeout ?? Deadline).TotalSeconds} s.\nstdout:\n{Stdout}\nstderr:\n{Stderr}");
        }
    }

    /// <summary>Waits until ipckit prints a stderr line containing <paramref name="text"/> (its progress lines).</summary>
    public async Task WaitForStderrAsync(string text, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? Deadline);
        try
        {
            while (!(await _stderrLines.Reader.ReadAsync(cts.Token)).Contains(text, StringComparison.Ordinal))
            {
            }
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"ipckit never printed '{text}'. stderr:\n{Stderr}");
        }
    }

    /// <summary>The worker processes ipckit has started and that still run, remembered for the leak check.</summary>
    public IReadOnlyList<int> Workers()
    {
        var found = ChildrenOf(Pid);
        lock (_workers)
        {
            _workers.UnionWith(found);
        }

        return found;
    }

    public void Signal(int signal)
    {
        _killed |= signal == 9;
        Assert.Equal(0, Kill(Pid, signal));
    }

    /// <summary>Asserts that no worker of this run still runs and that its scratch and pipe files are gone.</summary>
    public async Task AssertNothingLeftAsync()
    {
        int[] workers;
        lock (_workers)
        {
            workers = [.. _workers];
        }

        foreach (int worker in workers)
        {
            Assert.True(await WaitForPidExitAsync(worker, TimeSpan.FromSeconds(15)), $"worker {worker} is still running");
        }

        Assert.Empty(LeftoversOf(Pid));
    }

    /// <summary>Files a coordinator with this pid may create: its scratch directory and named-pipe sockets.</summary>
    /// <param name="pid">The coordinator's pid.</param>
    /// <param name="temp">The TMPDIR it ran with; by default this process's.</param>
    public static IReadOnlyList<string> LeftoversOf(int pid, string? temp = null) =>
    [
        .. Directory.EnumerateFileSystemEntries(temp ?? Path.GetTempPath())
            .Where(p => Path.GetFileName(p).StartsWith($"ipckit-{pid}-", StringComparison.Ordinal)
                        || Path.GetFileName(p).StartsWith($"CoreFxPipe_ipckit-{pid}-", StringComparison.Ordinal)),
        .. Directory.Exists("/dev/shm")
            ? Directory.EnumerateFileSystemEntries("/dev/shm").Where(p => Path.GetFileName(p).Contains($"ipckit-{pid}-", StringComparison.Ordinal))
            : [],
    ];

    public static IReadOnlyList<int> ChildrenOf(int pid)
    {
        try
        {
            return [.. Directory.EnumerateDirectories($"/proc/{pid}/task")
                .SelectMany(t => File.ReadAllText(Path.Combine(t, "children")).Split(' ', StringSplitOptions.RemoveEmptyEntries))
                .Select(int.Parse)];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    /// <summary>Waits for any process (not only a child) to exit, through a pidfd: no polling, no sleeping.</summary>
    public static async Task<bool> WaitForPidExitAsync(int pid, TimeSpan timeout)
    {
        int fd = (int)Syscall(434 /* pidfd_open */, pid, 0);
        if (fd < 0)
        {
            return true; // ESRCH: already gone
        }

        try
        {
            return await Task.Run(() =>
            {
                var poll = new PollFd { Fd = fd, Events = 1 /* POLLIN */ };
                var deadline = Stopwatch.StartNew();
                int ready;
                // A signal (SIGCHLD when a child of this process dies, as the killed coordinator does) interrupts poll
                // with EINTR: wait again for the rest of the time instead of reporting "still running".
                while ((ready = Poll(ref poll, 1, (int)Math.Max(0, (timeout - deadline.Elapsed).TotalMilliseconds))) < 0 && Marshal.GetLastPInvokeError() == 4 /* EINTR */)
                {
                }

                return ready > 0;
            });
        }
        finally
        {
            _ = Close(fd);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _closeInput.TrySetResult();
        if (!_run.Task.IsCompleted)
        {
            _killed = true;
            await _kill.CancelAsync(); // CliWrap kills ipckit's whole process tree
        }

        try
        {
            await _run.Task.WaitAsync(Deadline);
        }
        catch (OperationCanceledException)
        {
        }

        RemoveRuntimeFilesOfKilledRun();

        int[] workers;
        lock (_workers)
        {
            workers = [.. _workers];
        }

        foreach (int worker in workers)
        {
            _ = Kill(worker, 9);
        }

        _kill.Dispose();
    }

    /// <summary>
    /// A .NET process removes its debugger pipes (clr-debug-pipe-PID-*) and diagnostics socket (dotnet-diagnostic-PID-*)
    /// from $TMPDIR as it exits, but not when SIGKILL ends it. When this test killed ipckit, they are this test's doing,
    /// and go: only after the process has gone, and only those two kinds of file with its pid.
    /// </summary>
    private void RemoveRuntimeFilesOfKilledRun()
    {
        if (!_killed || !_run.Task.IsCompleted || !Directory.Exists(_temp))
        {
            return;
        }

        foreach (string prefix in new[] { $"clr-debug-pipe-{Pid}-", $"dotnet-diagnostic-{Pid}-" })
        {
            foreach (string file in Directory.EnumerateFiles(_temp, prefix + "*"))
            {
                try
                {
                    File.Delete(file);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                }
            }
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static partial long Syscall(long number, int pid, int flags);

    [LibraryImport("libc", EntryPoint = "poll", SetLastError = true)]
    private static partial int Poll(ref PollFd fds, ulong count, int timeoutMs);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
