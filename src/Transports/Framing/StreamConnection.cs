using IpcKit.Transports.Connections;
using IpcKit.Transports.Internal;

namespace IpcKit.Transports.Framing;

/// <summary>
/// Frames any pair of byte streams with the IpcKit wire format, for channels IpcKit did not open itself: a child's
/// stdin/stdout, a serial port, a stream from another library.
/// </summary>
public static class StreamConnection
{
    /// <summary>
    /// Creates a connection that reads frames from <paramref name="input"/> and writes them to <paramref name="output"/>
    /// (they may be the same duplex stream). The connection owns both streams and disposes them.
    /// </summary>
    /// <param name="input">The stream to read from.</param>
    /// <param name="output">The stream to write to.</param>
    /// <param name="maxMessageSize">The largest message accepted or sent. Default: 64 MiB.</param>
    /// <param name="endpoint">What the connection reports as its endpoint. Default: <c>stream://</c>.</param>
    public static IConnection Create(Stream input, Stream output, int maxMessageSize = 64 << 20, Endpoint? endpoint = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxMessageSize, 1);
        return new FramedStreamConnection(endpoint ?? Endpoint.Create("stream", ""), input, output, maxMessageSize);
    }
}
