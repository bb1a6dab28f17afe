using IpcKit.Protocol;
using IpcKit.Transports;

namespace IpcKit.Coordinator.Running;

/// <summary>The other end of a benchmark: a worker process, or a thread of this process for in-process transports.</summary>
internal interface IPeerSession : IAsyncDisposable
{
    /// <summary>The transport's scheme.</summary>
    string Transport { get; }

    /// <summary>The coordinator's end of the data connection.</summary>
    IConnection Data { get; }

    /// <summary>The peer's process id when it is a separate process (for its /proc counters), else null.</summary>
    int? WorkerPid { get; }

    /// <summary>Completes when the peer stops on its own: the process exited, or the thread failed.</summary>
    Task<int> Exited { get; }

    /// <summary>
    /// The peer process's own whole-process CPU counters now (it reads getrusage and answers over the control channel),
    /// or null for a peer thread, whose costs are in this process's counters. Blocks the calling thread.
    /// </summary>
    ProcessCounters? ReadCounters();

    /// <summary>Turns a failure seen on the data connection into a message saying what happened to the peer.</summary>
    Task<WorkerFailedException> ExplainFailureAsync(Exception failure, string? hung = null);
}
