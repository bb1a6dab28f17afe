namespace IpcKit.Transports.MessagePack;

/// <summary>
/// The input is not valid MessagePack, or is valid MessagePack that breaks a limit of
/// <see cref="MessagePackReaderOptions"/> or does not have the shape the formatter expects. The message says at which
/// byte offset and why. Truncated input, hostile lengths and excessive nesting all end here, never in an
/// <see cref="IndexOutOfRangeException"/>, an <see cref="OutOfMemoryException"/> or a stack overflow.
/// </summary>
/// <remarks>A reader that has thrown this is left at an unspecified position and should not be used further.</remarks>
public sealed class MessagePackException : ProtocolViolationException
{
    /// <summary>Creates the exception with no message; <see cref="Offset"/> is -1.</summary>
    public MessagePackException() => Offset = -1;

    /// <summary>Creates the exception with a message; <see cref="Offset"/> is -1.</summary>
    public MessagePackException(string message) : base(message) => Offset = -1;

    /// <summary>Creates the exception with a message and the error that caused it; <see cref="Offset"/> is -1.</summary>
    public MessagePackException(string message, Exception? innerException) : base(message, innerException) => Offset = -1;

    /// <summary>Creates the exception for a problem found at a byte offset of the input.</summary>
    /// <param name="offset">The byte offset, from the start of the input, of the value or byte at fault.</param>
    /// <param name="reason">Why the input was rejected, as a sentence fragment.</param>
    /// <param name="innerException">The error that caused it, if any.</param>
    public MessagePackException(long offset, string reason, Exception? innerException = null)
        : base($"Invalid MessagePack at byte offset {offset}: {reason}", innerException)
        => Offset = offset;

    /// <summary>The byte offset from the start of the input where the problem was found, or -1 if unknown.</summary>
    public long Offset { get; }
}
