namespace IpcKit.Transports;

/// <summary>
/// The base of every error IpcKit.Transports raises on purpose. Catch this to handle any transport failure;
/// no bare <see cref="IOException"/> or <see cref="System.Net.Sockets.SocketException"/> escapes the public API.
/// </summary>
public class IpcException : Exception
{
    /// <summary>Creates the exception with no message.</summary>
    public IpcException() { }

    /// <summary>Creates the exception with a message.</summary>
    public IpcException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and the error that caused it.</summary>
    public IpcException(string message, Exception? innerException) : base(message, innerException) { }
}

/// <summary>
/// Listening failed because something live already owns the endpoint: a TCP port in use, or a socket or pipe
/// that still accepts connections. Choose another endpoint, or stop the program that holds it.
/// </summary>
public class EndpointInUseException : IpcException
{
    /// <summary>Creates the exception with no message.</summary>
    public EndpointInUseException() { }

    /// <summary>Creates the exception with a message.</summary>
    public EndpointInUseException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and the error that caused it.</summary>
    public EndpointInUseException(string message, Exception? innerException) : base(message, innerException) { }
}

/// <summary>
/// Connecting failed: nothing listens at the endpoint, or it did not accept within the connect timeout.
/// Check that the listener runs and that the endpoint is spelled the same on both sides.
/// </summary>
public class EndpointNotFoundException : IpcException
{
    /// <summary>Creates the exception with no message.</summary>
    public EndpointNotFoundException() { }

    /// <summary>Creates the exception with a message.</summary>
    public EndpointNotFoundException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and the error that caused it.</summary>
    public EndpointNotFoundException(string message, Exception? innerException) : base(message, innerException) { }
}

/// <summary>
/// The connection ended abnormally: the peer vanished (crashed, was killed, or reset the connection), it closed
/// in the middle of a message, or this side was aborted or disposed while an operation was pending.
/// A clean close at a message boundary is not an error: receive returns <see langword="null"/> then.
/// </summary>
public class ConnectionClosedException : IpcException
{
    /// <summary>Creates the exception with no message.</summary>
    public ConnectionClosedException() { }

    /// <summary>Creates the exception with a message.</summary>
    public ConnectionClosedException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and the error that caused it.</summary>
    public ConnectionClosedException(string message, Exception? innerException) : base(message, innerException) { }
}

/// <summary>
/// The peer sent bytes that do not follow the wire format (see docs/wire-format.md). The connection cannot be
/// trusted afterwards and should be disposed.
/// </summary>
public class ProtocolViolationException : IpcException
{
    /// <summary>Creates the exception with no message.</summary>
    public ProtocolViolationException() { }

    /// <summary>Creates the exception with a message.</summary>
    public ProtocolViolationException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and the error that caused it.</summary>
    public ProtocolViolationException(string message, Exception? innerException) : base(message, innerException) { }
}

/// <summary>
/// A frame declared, or a caller tried to send, a payload larger than the connection's maximum message size.
/// On receive it is raised from the 4-byte header alone, before any of the payload is buffered.
/// Raise the limit on both sides (<c>MaxMessageSize</c> in the transport options) if such messages are expected.
/// </summary>
public class FrameTooLargeException : ProtocolViolationException
{
    /// <summary>Creates the exception with no message.</summary>
    public FrameTooLargeException() { }

    /// <summary>Creates the exception with a message.</summary>
    public FrameTooLargeException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and the error that caused it.</summary>
    public FrameTooLargeException(string message, Exception? innerException) : base(message, innerException) { }

    /// <summary>Creates the exception for a declared size over a limit.</summary>
    public FrameTooLargeException(long declaredSize, long limit)
        : base($"A message of {declaredSize} bytes exceeds the maximum message size of {limit} bytes. " +
               "Raise MaxMessageSize on both sides if messages this large are expected.")
    {
        DeclaredSize = declaredSize;
        Limit = limit;
    }

    /// <summary>The size the frame header declared, or the size the caller tried to send.</summary>
    public long DeclaredSize { get; }

    /// <summary>The maximum message size in force.</summary>
    public long Limit { get; }
}

/// <summary>No transport is registered for an endpoint's scheme. The message lists the registered ones.</summary>
public class UnknownTransportException : IpcException
{
    /// <summary>Creates the exception with no message.</summary>
    public UnknownTransportException() { }

    /// <summary>Creates the exception with a message.</summary>
    public UnknownTransportException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and the error that caused it.</summary>
    public UnknownTransportException(string message, Exception? innerException) : base(message, innerException) { }
}
