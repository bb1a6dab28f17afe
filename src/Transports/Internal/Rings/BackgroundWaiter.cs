using System.Threading.Tasks.Sources;

namespace IpcKit.Transports.Internal.Rings;

/// <summary>
/// Runs the blocking waits of async sends or receives on one dedicated thread, started on first use, so that an
/// awaiting caller holds no thread-pool thread while the peer is quiet. One wait at a time (the connection allows one
/// receive, and serializes sends). It only waits: the caller takes or writes the data afterwards on its own thread, so a
/// cancelled wait has consumed nothing.
/// </summary>
internal sealed class BackgroundWaiter : IValueTaskSource<WaitOutcome>, IDisposable
{
    private readonly RingWaiter _waiter;
    private readonly string _threadName;
    private readonly SemaphoreSlim _requests = new(0);
    private readonly Lock _startLock = new();
    private ManualResetValueTaskSourceCore<WaitOutcome> _core = new() { RunContinuationsAsynchronously = true };
    private Thread? _thread;
    private ulong _observed;
    private CancellationToken _cancellationToken;
    private volatile bool _exit;

    public BackgroundWaiter(RingWaiter waiter, string threadName)
    {
        _waiter = waiter;
        _threadName = threadName;
    }

    public ValueTask<WaitOutcome> WaitAsync(ulong observed, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_exit, this);
        _core.Reset();
        _observed = observed;
        _cancellationToken = cancellationToken;
        EnsureThread();
        _requests.Release();
        return new ValueTask<WaitOutcome>(this, _core.Version);
    }

    public WaitOutcome GetResult(short token) => _core.GetResult(token);

    public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

    public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);

    /// <summary>Stops the thread after its current wait (which the connection's stop flag ends) and waits for it to leave.</summary>
    public void Dispose()
    {
        _exit = true;
        Thread? thread;
        lock (_startLock)
        {
            thread = _thread;
        }

        if (thread is not null)
        {
            _waiter.WakeSelf();
            _requests.Release();
            thread.Join(TimeSpan.FromSeconds(2));
        }
    }

    private void EnsureThread()
    {
        lock (_startLock)
        {
            if (_thread is null)
            {
                _thread = new Thread(Run) { IsBackground = true, Name = _threadName };
                _thread.Start();
            }
        }
    }

    private void Run()
    {
        while (true)
        {
            _requests.Wait();
            if (_exit)
            {
                return;
            }

            var token = _cancellationToken;
            using var registration = token.CanBeCanceled ? token.UnsafeRegister(static s => ((RingWaiter)s!).WakeSelf(), _waiter) : default;
            WaitOutcome outcome;
            try
            {
                outcome = _waiter.Wait(_observed, token);
            }
#pragma warning disable CA1031 // The failure is handed to the awaiting caller.
            catch (Exception e)
#pragma warning restore CA1031
            {
                _core.SetException(e);
                continue;
            }

            _core.SetResult(outcome);
        }
    }
}
