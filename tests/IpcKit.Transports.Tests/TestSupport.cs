using CliWrap;

namespace IpcKit.Transports.Tests;

/// <summary>A private directory for one test's files, removed afterwards.</summary>
internal sealed class Scratch : IDisposable
{
    public Scratch()
    {
        Path = System.IO.Path.Combine("/tmp", "ipckit-test-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(Path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    public string Path { get; }

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

/// <summary>Deadlines for every wait in the tests: nothing waits without one.</summary>
internal static class Deadline
{
    public static readonly TimeSpan Default = TimeSpan.FromSeconds(20);

    public static Task<T> Within<T>(this ValueTask<T> task, TimeSpan? timeout = null) => task.AsTask().WaitAsync(timeout ?? Default);

    public static Task Within(this ValueTask task, TimeSpan? timeout = null) => task.AsTask().WaitAsync(timeout ?? Default);

    public static Task<T> Within<T>(this Task<T> task, TimeSpan? timeout = null) => task.WaitAsync(timeout ?? Default);

    public static Task Within(this Task task, TimeSpan? timeout = null) => task.WaitAsync(timeout ?? Default);
}

/// <summary>The test peer program in its own process, run with CliWrap, killed and reaped on dispose.</summary>
internal sealed class PeerProcess : IAsyncDisposable
{
    /// <summary>
    /// Every child this test process starts may inherit the descriptors of an anonymous-pipe listener that exists at that
    /// moment: start them one at a time, and close this process's copies of a child's pipe ends before the next start.
    /// </summary>
    private static readonly Lock SpawnLock = new();

    private readonly System.Threading.Channels.Channel<string> _lines = System.Threading.Channels.Channel.CreateUnbounded<string>();
    private readonly CancellationTokenSource _kill = new();
    private readonly CommandTask<CommandResult> _run;

    private PeerProcess(Command command, IHandleInheritingListener? inheriting)
    {
        command = command
            // The peer leaves when its stdin ends (this test process gone): keep it open until the peer exits or is killed.
            .WithStandardInputPipe(PipeSource.Create((_, cancellationToken) => Task.Delay(Timeout.Infinite, cancellationToken)))
            .WithStandardOutputPipe(PipeTarget.ToDelegate(line => _lines.Writer.TryWrite(line)))
            .WithStandardErrorPipe(PipeTarget.ToDelegate(line => _lines.Writer.TryWrite("stderr: " + line)))
            .WithValidation(CommandResultValidation.None);
        lock (SpawnLock)
        {
            // CliWrap has started the process when ExecuteAsync returns, so the handles can be closed here.
            _run = command.ExecuteAsync(_kill.Token);
            inheriting?.DisposeLocalCopyOfClientHandles();
        }
    }

    public int Id => _run.ProcessId;

    public bool HasExited => _run.Task.IsCompleted;

    /// <remarks>
    /// Tests kill their peers on purpose; with the runtime's debugger pipes and diagnostics socket off
    /// (DOTNET_EnableDiagnostics=0, unless the test sets it) a killed peer leaves nothing in $TMPDIR.
    /// </remarks>
    public static PeerProcess Start(string mode, string endpoint, IHandleInheritingListener? inheriting = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        var variables = new Dictionary<string, string?> { ["DOTNET_EnableDiagnostics"] = "0" };
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            variables[name] = value;
        }

        return new(Cli.Wrap(System.IO.Path.Combine(AppContext.BaseDirectory, "IpcKit.TestPeer"))
            .WithArguments([mode, endpoint])
            .WithEnvironmentVariables(variables), inheriting);
    }

    /// <summary>Waits for a line on the peer's stdout; fails with everything it printed when the line does not come.</summary>
    public async Task WaitForLineAsync(string expected, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? Deadline.Default);
        var seen = new List<string>();
        try
        {
            while (true)
            {
                string line = await _lines.Reader.ReadAsync(cts.Token);
                if (line == expected)
                {
                    return;
                }

                seen.Add(line);
            }
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"The peer did not print '{expected}'. It printed: {string.Join(" | ", seen)}");
        }
    }

    public Task WaitForExitAsync() => _run.Task.WaitAsync(Deadline.Default);

    /// <summary>Kills the peer and its children (CliWrap kills the tree on cancellation) and waits until it is reaped.</summary>
    public async Task KillAsync()
    {
        if (!_run.Task.IsCompleted)
        {
            await _kill.CancelAsync();
        }

        try
        {
            await _run.Task.WaitAsync(Deadline.Default);
        }
        catch (OperationCanceledException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await KillAsync();
        }
        finally
        {
            _kill.Dispose();
        }
    }
}
