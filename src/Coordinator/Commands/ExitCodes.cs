namespace IpcKit.Coordinator.Commands;

/// <summary>The exit codes of `ipckit`, documented in the README.</summary>
internal static class ExitCodes
{
    public const int Success = 0;

    /// <summary>Bad arguments: an unknown option, transport or workload, a malformed size or duration.</summary>
    public const int BadArguments = 2;

    /// <summary>A transport or worker failed: could not listen or connect, the worker crashed, hung or reported an error.</summary>
    public const int TransportFailure = 3;

    /// <summary>Everything ran, but messages were lost or corrupted.</summary>
    public const int IntegrityFailure = 4;

    /// <summary>`ipckit compare --fail-on-regression`: a result got worse than the threshold allows.</summary>
    public const int Regression = 5;

    /// <summary>The run (or comparison) was done, but an output file could not be written; the other outputs were.</summary>
    public const int OutputFailure = 6;

    /// <summary>Interrupted (Ctrl+C or SIGTERM); workers were stopped and files removed.</summary>
    public const int Interrupted = 130;
}

/// <summary>A usage error with a message for the user; turned into exit code 2.</summary>
internal sealed class UsageException : Exception
{
    public UsageException(string message) : base(message) { }

    public UsageException() { }

    public UsageException(string message, Exception inner) : base(message, inner) { }
}
