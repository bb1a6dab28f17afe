using System.Diagnostics;
using System.Text;

namespace IpcKit.Coordinator.Running;

/// <summary>
/// An immutable description of a child process to start: program, arguments (always an argument list, never one
/// string to be split), environment and working directory. <c>With*</c> methods return changed copies.
/// </summary>
/// <remarks>
/// Programs that IpcKit runs to completion (the native reference tool and its build) go through CliWrap
/// (<see cref="NativeTool"/>). This launcher stays hand-written for the workers because CliWrap cannot give what they
/// need: a long-lived duplex control channel on the child's stdin and stdout, used as raw byte streams by the framed
/// <c>ControlChannel</c> for the child's whole life (CliWrap only pumps stdin from a source and stdout into a target,
/// with a task and a copy in between), and the child's <see cref="System.Diagnostics.Process"/> for its exit time and
/// counters. Children that inherit anonymous-pipe handles are started under <see cref="SpawnLock"/>, which CliWrap runs
/// honour too.
/// </remarks>
internal sealed record ChildCommand(string Program)
{
    /// <summary>
    /// Held while starting any child of this process, and until the handles a child inherited are closed here: a child
    /// inherits every inheritable descriptor alive when it starts (on Linux .NET does not close them), so one started
    /// while an <c>anon-pipe</c> listener exists would keep another child's pipe ends open and its end of stream from
    /// ever arriving. One child at a time keeps each pair of ends in its own child.
    /// </summary>
    public static Lock SpawnLock { get; } = new();

    public IReadOnlyList<string> Arguments { get; init; } = [];

    public IReadOnlyDictionary<string, string?> Environment { get; init; } = new Dictionary<string, string?>();

    public string? WorkingDirectory { get; init; }

    public ChildCommand WithArguments(params IEnumerable<string> arguments) => this with { Arguments = [.. arguments] };

    /// <summary>The runtime setting that lets a measured process reach optimized code soon (<see cref="WithSteadyJit"/>).</summary>
    public const string CallCountingDelay = "DOTNET_TC_CallCountingDelayMs";

    /// <summary>
    /// Turns off the JIT's call-counting delay in the child. By default the runtime promotes no method to optimized
    /// code until 100 ms have passed without a new method compiled, and extends that wait while compiling goes on. A
    /// fresh worker (one per trial with --wait spin) then ran its request loop on unoptimized MessagePack code through
    /// the whole trial: p50 3.5-5 us against 0.9 us once promoted, while the warm-up's rate had looked settled. With
    /// no delay a method is promoted after its first 30 calls, so the warm-up reaches the code a long-running process
    /// runs. The ipckit launcher sets the same for the coordinator. docs/statistics.md, "Steady state".
    /// </summary>
    public ChildCommand WithSteadyJit() => WithEnvironment(CallCountingDelay, "0");

    public ChildCommand WithEnvironment(string name, string? value) =>
        this with { Environment = new Dictionary<string, string?>(Environment) { [name] = value } };

    public ChildCommand WithWorkingDirectory(string directory) => this with { WorkingDirectory = directory };

    /// <summary>
    /// Starts the child with stdin and stdout as raw byte streams for the caller, and stderr collected in the background
    /// (read concurrently, so the child can never block on a full stderr pipe).
    /// </summary>
    /// <param name="whileStarting">Runs right after the process has started, under the same lock: the place to close
    /// this process's copies of handles the child inherited.</param>
    public RunningChild Start(Action? whileStarting = null)
    {
        var info = new ProcessStartInfo(Program)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = WorkingDirectory ?? "",
        };
        foreach (string a in Arguments)
        {
            info.ArgumentList.Add(a);
        }

        foreach (var (k, v) in Environment)
        {
            info.Environment[k] = v;
        }

        Process process;
        DateTimeOffset started;
        // Any inheritable descriptor alive now is inherited by this child: start children one at a time.
        lock (SpawnLock)
        {
            try
            {
                process = System.Diagnostics.Process.Start(info) ?? throw new InvalidOperationException($"'{Program}' did not start.");
            }
            catch (System.ComponentModel.Win32Exception e)
            {
                throw new InvalidOperationException($"Cannot start '{Program}': {e.Message}", e);
            }

            started = DateTimeOffset.UtcNow;
            whileStarting?.Invoke();
        }

        return new RunningChild(process, started);
    }
}

/// <summary>A started child: its streams, the tail of its stderr, and its exit. Disposing kills it if it still runs.</summary>
internal sealed class RunningChild : IAsyncDisposable
{
    private const int StderrKeep = 16 * 1024;
    private readonly StringBuilder _stderr = new();
    private readonly Task _stderrPump;
    private readonly TaskCompletionSource<int> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);

    internal RunningChild(Process process, DateTimeOffset started)
    {
        Process = process;
        StartTime = started;
        Id = process.Id;
        process.EnableRaisingEvents = true;
        process.Exited += (_, _) => OnExited();
        if (process.HasExited)
        {
            OnExited();
        }

        _stderrPump = Task.Run(PumpStderrAsync);
    }

    public Process Process { get; }

    public int Id { get; }

    public DateTimeOffset StartTime { get; }

    public DateTimeOffset? ExitTime { get; private set; }

    public Stream StandardInput => Process.StandardInput.BaseStream;

    public Stream StandardOutput => Process.StandardOutput.BaseStream;

    /// <summary>Completes with the exit code when the child exits.</summary>
    public Task<int> Exited => _exited.Task;

    /// <summary>The last 16 KiB the child wrote to stderr, once it has exited and the pipe is drained.</summary>
    public async Task<string> StderrTailAsync(TimeSpan timeout)
    {
        try
        {
            await _stderrPump.WaitAsync(timeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
        }

        lock (_stderr)
        {
            return _stderr.ToString().Trim();
        }
    }

    /// <summary>Kills the child and everything it started, and waits (bounded) for it to be reaped.</summary>
    public async Task KillAsync()
    {
        try
        {
            if (!Process.HasExited)
            {
                Process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
        }

        await Exited.WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await KillAsync().ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
        }

        Process.Dispose();
    }

    private void OnExited()
    {
        try
        {
            ExitTime ??= Process.ExitTime.ToUniversalTime();
            _exited.TrySetResult(Process.ExitCode);
        }
        catch (InvalidOperationException)
        {
            _exited.TrySetResult(-1);
        }
    }

    private async Task PumpStderrAsync()
    {
        var reader = Process.StandardError;
        var buffer = new char[4096];
        int n;
        while ((n = await reader.ReadAsync(buffer).ConfigureAwait(false)) > 0)
        {
            lock (_stderr)
            {
                _stderr.Append(buffer, 0, n);
                if (_stderr.Length > StderrKeep)
                {
                    _stderr.Remove(0, _stderr.Length - StderrKeep);
                }
            }
        }
    }
}
