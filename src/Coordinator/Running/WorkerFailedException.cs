namespace IpcKit.Coordinator.Running;

/// <summary>A worker could not be started, died, hung or reported an error. The message names the transport and quotes the worker's stderr.</summary>
internal sealed class WorkerFailedException : Exception
{
    public WorkerFailedException(string message, Exception? inner = null) : base(message, inner) { }

    public WorkerFailedException() { }

    public WorkerFailedException(string message) : base(message) { }
}
