using System.Buffers;
using IpcKit.Transports;
using IpcKit.Transports.Framing;

namespace IpcKit.Protocol;

/// <summary>
/// The control channel of one worker: length-prefixed MessagePack control messages over a pair of streams (for a
/// worker, its stdin and stdout). Sends are serialized; one reader at a time.
/// </summary>
public sealed class ControlChannel : IAsyncDisposable
{
    /// <summary>Control messages are small; anything larger is a broken peer.</summary>
    public const int MaxControlMessageSize = 1 << 20;

    private readonly IConnection _connection;
    private readonly ArrayBufferWriter<byte> _buffer = new(256);
    private readonly Lock _sendGate = new();

    /// <summary>Wraps the two streams; the channel owns and disposes them.</summary>
    public ControlChannel(Stream input, Stream output) =>
        _connection = StreamConnection.Create(input, output, MaxControlMessageSize, Endpoint.Create("control", ""));

    /// <summary>Sends one control message.</summary>
    public void Send(ControlMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        lock (_sendGate)
        {
            _buffer.ResetWrittenCount();
            message.WriteTo(_buffer);
            _connection.Send(_buffer.WrittenSpan);
        }
    }

    /// <summary>Receives the next control message, or null when the other side closed the channel.</summary>
    public async ValueTask<ControlMessage?> ReceiveAsync(CancellationToken cancellationToken = default)
    {
        var frame = await _connection.ReceiveAsync(cancellationToken).ConfigureAwait(false);
        return frame is { } bytes ? ControlMessage.Read(bytes) : null;
    }

    /// <inheritdoc/>
    public ValueTask DisposeAsync() => _connection.DisposeAsync();
}
