using IpcKit.Protocol;

namespace IpcKit.Coordinator.Demos;

/// <summary>
/// A task scheduler with exactly one thread, running tasks in the order they were queued: cooperative multitasking.
/// A task keeps the thread until it awaits something; only then can the next task run. Awaits inside a task started
/// here come back here, because <c>await</c> captures <see cref="TaskScheduler.Current"/>.
/// </summary>
internal sealed class SingleThreadScheduler : TaskScheduler, IDisposable
{
    private readonly Queue<Task> _queue = new();
    private readonly Thread _thread;
    private bool _stopping;

    /// <param name="name">The thread's name.</param>
    /// <param name="cpu">The CPU to pin the thread to, or -1 to let the OS place it.</param>
    public SingleThreadScheduler(string name, int cpu = -1)
    {
        _thread = new Thread(() => Loop(cpu)) { IsBackground = true, Name = name };
        _thread.Start();
    }

    public override int MaximumConcurrencyLevel => 1;

    /// <summary>Starts <paramref name="body"/> on this scheduler's thread; its awaits resume there too.</summary>
    public Task<T> Run<T>(Func<Task<T>> body) =>
        Task.Factory.StartNew(body, CancellationToken.None, TaskCreationOptions.DenyChildAttach, this).Unwrap();

    /// <inheritdoc cref="Run{T}(Func{Task{T}})"/>
    public Task Run(Func<Task> body) =>
        Task.Factory.StartNew(body, CancellationToken.None, TaskCreationOptions.DenyChildAttach, this).Unwrap();

    /// <summary>Stops the thread once the queue is empty; a task still running is left to finish on its own (the thread is a background thread).</summary>
    public void Dispose()
    {
        lock (_queue)
        {
            _stopping = true;
            Monitor.PulseAll(_queue);
        }

        _thread.Join(TimeSpan.FromSeconds(5));
    }

    protected override void QueueTask(Task task)
    {
        lock (_queue)
        {
            _queue.Enqueue(task);
            Monitor.Pulse(_queue);
        }
    }

    // Never run a task out of turn on some other thread: that would stop this being a single-threaded scheduler.
    protected override bool TryExecuteTaskInline(Task task, bool taskWasPreviouslyQueued) =>
        Environment.CurrentManagedThreadId == _thread.ManagedThreadId && TryExecuteTask(task);

    protected override IEnumerable<Task> GetScheduledTasks()
    {
        lock (_queue)
        {
            return [.. _queue];
        }
    }

    private void Loop(int cpu)
    {
        if (cpu >= 0)
        {
            try
            {
                Affinity.PinCurrentThread(cpu);
            }
            catch (InvalidOperationException)
            {
                // The CPU was taken away from this process: run unpinned rather than not at all.
            }
        }

        while (true)
        {
            Task task;
            lock (_queue)
            {
                while (_queue.Count == 0)
                {
                    if (_stopping)
                    {
                        return;
                    }

                    Monitor.Wait(_queue);
                }

                task = _queue.Dequeue();
            }

            TryExecuteTask(task);
        }
    }
}
