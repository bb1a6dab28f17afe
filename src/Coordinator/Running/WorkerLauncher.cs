using IpcKit.Transports;

namespace IpcKit.Coordinator.Running;

/// <summary>
/// How a worker is started and how the data listener it connects to is opened: on this machine (the default), or on
/// another host through SSH or any remote-exec command (Remote/RemoteLauncher, issue 16).
/// </summary>
internal interface IWorkerLauncher
{
    /// <summary>Where the worker runs, for messages: empty on this machine, else " on TARGET".</summary>
    string Where { get; }

    /// <summary>True when the worker runs on another host: its pid and CPUs are not this machine's.</summary>
    bool IsRemote { get; }

    /// <summary>The command that starts one worker with its control channel on stdin/stdout.</summary>
    ChildCommand Command { get; }

    /// <summary>Opens the data listener a worker will connect to; <paramref name="endpoint"/> is the local default.</summary>
    ValueTask<IListener> ListenAsync(ITransport transport, Endpoint endpoint, CancellationToken cancellationToken);
}

/// <summary>Workers on this machine: the worker binary beside ipckit, listening where the transport's endpoint says.</summary>
internal sealed class LocalWorkerLauncher : IWorkerLauncher
{
    public static readonly LocalWorkerLauncher Instance = new();

    private LocalWorkerLauncher()
    {
    }

    public string Where => "";

    public bool IsRemote => false;

    public ChildCommand Command => WorkerSession.WorkerCommand().WithEnvironment("DOTNET_gcServer", "0").WithSteadyJit();

    public ValueTask<IListener> ListenAsync(ITransport transport, Endpoint endpoint, CancellationToken cancellationToken) =>
        transport.ListenAsync(endpoint, cancellationToken);
}
