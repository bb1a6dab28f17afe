using IpcKit.Protocol;
using IpcKit.Transports;

namespace IpcKit.Coordinator.Running;

/// <summary>
/// One worker process and its two channels: control (its stdin/stdout) and data (the transport under test, on which the
/// coordinator listens and the worker connects). Owns the worker's whole life: disposing ends the data stream, collects
/// the worker's result, and kills it if it does not exit in time.
/// </summary>
internal sealed class WorkerSession : IPeerSession
{
    private static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(10);

    private readonly IListener _listener;
    private readonly bool _ownsListener;
    private readonly RunningChild _child;
    private readonly ControlChannel _control;
    private readonly CancellationToken _interrupted;
    private readonly IWorkerLauncher _launcher;
    private int _disposed;

    private WorkerSession(
        string transport, IListener listener, bool ownsListener, RunningChild child, ControlChannel control, IConnection data, int workerCpu, IWorkerLauncher launcher,
        CancellationToken interrupted)
    {
        _interrupted = interrupted;
        Transport = transport;
        _launcher = launcher;
        _listener = listener;
        _ownsListener = ownsListener;
        _child = child;
        _control = control;
        Data = data;
        WorkerCpu = workerCpu;
    }

    public string Transport { get; }

    public IConnection Data { get; }

    public int WorkerPid => _child.Id;

    // A remote worker's process is on another host; the local child is only its engine (ssh, kubectl…).
    int? IPeerSession.WorkerPid => _launcher.IsRemote ? null : WorkerPid;

    public int WorkerCpu { get; }

    /// <summary>Completes when the worker process exits.</summary>
    public Task<int> Exited => _child.Exited;

    /// <summary>The worker's final report, available after dispose when it exited cleanly.</summary>
    public ResultMessage? Result { get; private set; }

    /// <summary>
    /// The runtime's debugger pipes (<c>clr-debug-pipe-PID-*</c>) and diagnostics socket (<c>dotnet-diagnostic-PID-*</c>),
    /// which the runtime creates in $TMPDIR at start and removes only at a clean exit: a worker killed with SIGKILL would
    /// leave them behind (issue 12, item 10). A worker needs neither, so they are off unless the user's environment
    /// chooses otherwise (to attach a debugger or dotnet-trace to a worker, set them to 1).
    /// </summary>
    internal static readonly string[] DiagnosticsSwitches = ["DOTNET_EnableDiagnostics_Debugger", "DOTNET_EnableDiagnostics_IPC"];

    /// <summary>Asks the worker for its CPU counters over the control channel and waits for the answer (10 s at most).</summary>
    public ProcessCounters? ReadCounters()
    {
        _control.Send(new CountersRequest());
        using var deadline = new CancellationTokenSource(ExitTimeout);
        while (true)
        {
            var message = _control.ReceiveAsync(deadline.Token).AsTask().GetAwaiter().GetResult()
                          ?? throw new ConnectionClosedException("The worker closed its control channel.");
            if (message is CountersMessage counters)
            {
                return counters.Counters;
            }

            if (message is ErrorMessage error)
            {
                throw new ConnectionClosedException($"The worker failed: {error.Kind}: {error.Message}");
            }
        }
    }

    /// <summary>The command that starts a worker: the apphost beside this program, or `dotnet IpcKit.Worker.dll`.</summary>
    internal static ChildCommand WorkerCommand() => CommandFor(AppContext.BaseDirectory, "IpcKit.Worker");

    /// <summary>
    /// The command that starts program <paramref name="name"/> of <paramref name="dir"/>: its apphost, or
    /// `dotnet NAME.dll`; with the runtime's debugger and diagnostics IPC off (<see cref="DiagnosticsSwitches"/>).
    /// </summary>
    internal static ChildCommand CommandFor(string dir, string name)
    {
        string apphost = Path.Combine(dir, name);
        string dll = Path.Combine(dir, name + ".dll");
        var command = File.Exists(apphost)
            ? new ChildCommand(apphost)
            : new ChildCommand(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? DotnetHostOfThisProcess() ?? "dotnet").WithArguments(dll);
        foreach (string diagnostics in DiagnosticsSwitches)
        {
            if (Environment.GetEnvironmentVariable(diagnostics) is null && Environment.GetEnvironmentVariable("DOTNET_EnableDiagnostics") is null)
            {
                command = command.WithEnvironment(diagnostics, "0");
            }
        }

        return command;
    }

    /// <summary>
    /// The dotnet host of the runtime running this process, so that an installed tool (whose shim is not `dotnet`)
    /// starts its worker on the same runtime even when `dotnet` is not on PATH. The runtime lives in
    /// <c>ROOT/shared/Microsoft.NETCore.App/VERSION/</c> and the host at <c>ROOT/dotnet</c>.
    /// </summary>
    private static string? DotnetHostOfThisProcess()
    {
        if (Environment.ProcessPath is { } self && Path.GetFileName(self) == "dotnet")
        {
            return self;
        }

        string runtime = Path.TrimEndingDirectorySeparator(System.Runtime.InteropServices.RuntimeEnvironment.GetRuntimeDirectory());
        string? root = Path.GetDirectoryName(Path.GetDirectoryName(Path.GetDirectoryName(runtime)));
        string? host = root is null ? null : Path.Combine(root, "dotnet");
        return host is not null && File.Exists(host) ? host : null;
    }

    public static Task<WorkerSession> StartAsync(
        ITransport transport, Endpoint endpoint, ConfigureMessage template, CancellationToken cancellationToken) =>
        StartAsync(transport, endpoint, template, LocalWorkerLauncher.Instance, cancellationToken);

    public static async Task<WorkerSession> StartAsync(
        ITransport transport, Endpoint endpoint, ConfigureMessage template, IWorkerLauncher launcher, CancellationToken cancellationToken)
    {
        string name = transport.Scheme;
        IListener listener;
        try
        {
            listener = await launcher.ListenAsync(transport, endpoint, cancellationToken);
        }
        catch (IpcException e)
        {
            throw new WorkerFailedException($"The {name} transport could not listen: {e.Message}", e);
        }

        return await StartOnAsync(name, listener, ownsListener: true, template, launcher, cancellationToken);
    }

    /// <summary>
    /// Starts a worker that connects to a listener shared with other workers (the fan-in and fan-out of --workers);
    /// the caller owns the listener, and starts such workers one at a time so that each accept is this worker's.
    /// </summary>
    public static Task<WorkerSession> StartOnAsync(ITransport transport, IListener listener, ConfigureMessage template, CancellationToken cancellationToken) =>
        StartOnAsync(transport.Scheme, listener, ownsListener: false, template, LocalWorkerLauncher.Instance, cancellationToken);

    private static async Task<WorkerSession> StartOnAsync(
        string name, IListener listener, bool ownsListener, ConfigureMessage template, IWorkerLauncher launcher, CancellationToken cancellationToken)
    {
        RunningChild? child = null;
        ControlChannel? control = null;
        try
        {
            // This machine's CPU numbers mean nothing to a worker on another host: it is not pinned.
            template = launcher.IsRemote ? template with { Cpu = -1 } : template;
            child = launcher.Command.Start(whileStarting: () => (listener as IHandleInheritingListener)?.DisposeLocalCopyOfClientHandles());
            control = new ControlChannel(child.StandardOutput, child.StandardInput);
            control.Send(template with { Endpoint = listener.Endpoint.ToString() });

            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(HandshakeTimeout);
            var accept = listener.AcceptAsync(deadline.Token).AsTask();
            var reply = control.ReceiveAsync(deadline.Token).AsTask();

            // Whichever comes first decides: a ready message, an error message, the worker's exit, or the deadline.
            var first = await Task.WhenAny(reply, child.Exited, Task.Delay(Timeout.Infinite, deadline.Token));
            if (first == reply && await reply is ReadyMessage ready)
            {
                var data = await accept.WaitAsync(HandshakeTimeout, cancellationToken)
                           ?? throw new WorkerFailedException($"The {name} listener closed before the worker connected.");
                return new WorkerSession(name, listener, ownsListener, child, control, data, ready.Cpu, launcher, cancellationToken);
            }

            cancellationToken.ThrowIfCancellationRequested();
            string why = first switch
            {
                _ when first == reply && reply.IsCompletedSuccessfully && reply.Result is ErrorMessage error => $"it reported {error.Kind}: {error.Message}",
                _ when first == reply && reply.IsCompletedSuccessfully => $"it sent {reply.Result?.GetType().Name ?? "end of stream"} instead of ready",
                _ when first == reply => $"its control channel failed ({reply.Exception?.InnerException?.Message})",
                _ when first == child.Exited => $"it exited with code {await child.Exited}{SignalName(await child.Exited)}",
                _ => $"it did not connect within {HandshakeTimeout.TotalSeconds:0} s",
            };
            throw new WorkerFailedException($"The {name} worker{launcher.Where} failed to start: {why.TrimEnd('.')}.{await StderrOf(child)}");
        }
        catch
        {
            if (control is not null)
            {
                await control.DisposeAsync();
            }

            if (child is not null)
            {
                await child.DisposeAsync();
            }

            if (ownsListener)
            {
                await listener.DisposeAsync();
            }

            throw;
        }
    }

    /// <summary>Turns a failure seen on the data connection into a message about the worker: did it die, and what did it say.</summary>
    public Task<WorkerFailedException> ExplainFailureAsync(Exception failure, string? hung = null) =>
        ExplainAsync(_child, $"The {Transport} worker{_launcher.Where}", $"The {Transport} connection", $"The {Transport} transport{_launcher.Where}", failure, hung);

    /// <summary>
    /// What happened to a worker process <paramref name="child"/> when its case failed with <paramref name="failure"/>:
    /// it hung (and is killed now), it died (with which exit code), or it lives and the channel to it failed; with the
    /// tail of its stderr.
    /// </summary>
    /// <param name="worker">How to name the worker, e.g. "The unix worker".</param>
    /// <param name="connection">How to name what reported the failure when the worker died, e.g. "The unix connection".</param>
    /// <param name="channel">How to name what failed while the worker lives, e.g. "The unix transport".</param>
    internal static async Task<WorkerFailedException> ExplainAsync(
        RunningChild child, string worker, string connection, string channel, Exception failure, string? hung)
    {
        if (hung is not null)
        {
            await child.KillAsync();
            return new WorkerFailedException($"{worker} (pid {child.Id}) hung: {hung}; it was killed.{await StderrOf(child)}", failure);
        }

        // Give a dying worker a moment to be reaped so that its exit code can be told.
        try
        {
            await child.Exited.WaitAsync(TimeSpan.FromSeconds(2));
        }
        catch (TimeoutException)
        {
        }

        if (child.Exited.IsCompleted)
        {
            int code = await child.Exited;
            // A closed connection is what a dead worker leaves; any other failure of the connection is worth its own sentence.
            string seen = failure is ConnectionClosedException ? "" : $" {connection} reported: {Sentence(failure.Message)}";
            return new WorkerFailedException(
                $"{worker} (pid {child.Id}) died during the run: exit code {code}{SignalName(code)}.{seen}{await StderrOf(child)}", failure);
        }

        return new WorkerFailedException($"{channel} failed during the run: {Sentence(failure.Message)}{await StderrOf(child)}", failure);
    }

    /// <summary>An exception's message as a sentence of a longer message: capitalised, and ending in a full stop.</summary>
    private static string Sentence(string text)
    {
        text = text.Trim();
        if (text.Length == 0)
        {
            return "";
        }

        text = char.ToUpperInvariant(text[0]) + text[1..];
        return text[^1] is '.' or '!' or '?' ? text : text + ".";
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        try
        {
            // End of stream on the data connection tells the worker to report and exit.
            await Data.DisposeAsync();

            // After Ctrl+C or SIGTERM nobody wants the report, and a stuck worker could hold the exit up for 20 s: it is
            // killed at once instead.
            if (!_interrupted.IsCancellationRequested)
            {
                await CollectResultAsync();
            }
        }
        finally
        {
            await _control.DisposeAsync();
            await _child.DisposeAsync(); // kills it if it is still there
            if (_ownsListener)
            {
                await _listener.DisposeAsync();
            }
        }
    }

    /// <summary>Reads the worker's report until its control channel ends, and waits for it to exit; each bounded.</summary>
    private async Task CollectResultAsync()
    {
        using var deadline = new CancellationTokenSource(ExitTimeout);
        try
        {
            while (await _control.ReceiveAsync(deadline.Token) is { } message)
            {
                if (message is ResultMessage result)
                {
                    Result = result;
                }
            }
        }
        catch (Exception e) when (e is IpcException or OperationCanceledException)
        {
        }

        try
        {
            await _child.Exited.WaitAsync(ExitTimeout);
        }
        catch (TimeoutException)
        {
        }
    }

    internal static string SignalName(int exitCode) => exitCode switch
    {
        137 => " (killed by SIGKILL)",
        139 => " (SIGSEGV)",
        134 => " (SIGABRT)",
        143 => " (SIGTERM)",
        > 128 and < 160 => $" (signal {exitCode - 128})",
        _ => "",
    };

    internal static async Task<string> StderrOf(RunningChild child)
    {
        string tail = await child.StderrTailAsync(TimeSpan.FromSeconds(1));
        return tail.Length == 0 ? " The worker wrote nothing to stderr." : $" Worker stderr:\n{tail}";
    }
}
