using System.Runtime.CompilerServices;
using IpcKit.Protocol;
using IpcKit.Transports;

namespace IpcKit.Coordinator.Running;

/// <summary>
/// The peer of an in-process transport (thread, channel, shared): the same role a worker process plays, run on a
/// thread of this process, since the two ends must share an address space.
/// </summary>
internal sealed class InProcessPeer : IPeerSession
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    private readonly IListener _listener;
    private readonly bool _ownsListener;
    private readonly TaskCompletionSource<int> _exited;
    private readonly StrongBox<Exception?> _failure;

    private InProcessPeer(string transport, IListener listener, bool ownsListener, IConnection data, TaskCompletionSource<int> exited, StrongBox<Exception?> failure)
    {
        Transport = transport;
        _listener = listener;
        _ownsListener = ownsListener;
        Data = data;
        _exited = exited;
        _failure = failure;
    }

    public string Transport { get; }

    public IConnection Data { get; }

    public int? WorkerPid => null;

    public Task<int> Exited => _exited.Task;

    public ProcessCounters? ReadCounters() => null;

    public static async Task<InProcessPeer> StartAsync(ITransport transport, Endpoint endpoint, ConfigureMessage configure, CancellationToken cancellationToken)
    {
        var listener = await transport.ListenAsync(endpoint, cancellationToken);
        return await StartOnAsync(transport, listener, ownsListener: true, configure, cancellationToken);
    }

    /// <summary>Starts a peer thread on a listener shared with other peers (fan-in, fan-out); the caller owns the listener.</summary>
    public static Task<InProcessPeer> StartOnAsync(ITransport transport, IListener listener, ConfigureMessage configure, CancellationToken cancellationToken) =>
        StartOnAsync(transport, listener, ownsListener: false, configure, cancellationToken);

    private static async Task<InProcessPeer> StartOnAsync(
        ITransport transport, IListener listener, bool ownsListener, ConfigureMessage configure, CancellationToken cancellationToken)
    {
        var exited = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        // Written by the peer thread before it completes `exited`, read when explaining a failure.
        var failure = new StrongBox<Exception?>();
        var thread = new Thread(() =>
        {
            try
            {
                if (configure.Cpu >= 0)
                {
                    Affinity.PinCurrentThread(configure.Cpu);
                }

                using var data = transport.ConnectAsync(listener.Endpoint, CancellationToken.None).AsTask().GetAwaiter().GetResult();
                Roles.Run(configure.Role, data, configure, new StreamVerifier());
                exited.TrySetResult(0);
            }
            catch (Exception e)
            {
                failure.Value = e;
                exited.TrySetResult(1);
            }
        })
        { IsBackground = true, Name = $"ipckit-peer-{transport.Scheme}" };
        thread.Start();

        try
        {
            var accepted = await listener.AcceptAsync(cancellationToken).AsTask().WaitAsync(Deadline, cancellationToken)
                           ?? throw new WorkerFailedException($"The {transport.Scheme} listener closed before its peer thread connected.");
            return new InProcessPeer(transport.Scheme, listener, ownsListener, accepted, exited, failure);
        }
        catch (TimeoutException)
        {
            if (ownsListener)
            {
                await listener.DisposeAsync();
            }

            throw new WorkerFailedException($"The {transport.Scheme} peer thread did not connect within {Deadline.TotalSeconds:0} s{(failure.Value is null ? "" : $": {failure.Value.Message}")}.");
        }
        catch
        {
            if (ownsListener)
            {
                await listener.DisposeAsync();
            }

            throw;
        }
    }

    public Task<WorkerFailedException> ExplainFailureAsync(Exception failure, string? hung = null)
    {
        // The peer thread's own exception says more than what the coordinator's side saw.
        string why = hung ?? (_failure.Value is { } own ? $"{own.GetType().Name}: {own.Message}" : failure.Message);
        return Task.FromResult(new WorkerFailedException($"The {Transport} peer thread failed: {why}", _failure.Value ?? failure));
    }

    public async ValueTask DisposeAsync()
    {
        Data.Dispose();
        try
        {
            await _exited.Task.WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (TimeoutException)
        {
            // A stuck peer thread is a background thread: it cannot keep the process alive.
        }

        if (_ownsListener)
        {
            await _listener.DisposeAsync();
        }
    }
}
