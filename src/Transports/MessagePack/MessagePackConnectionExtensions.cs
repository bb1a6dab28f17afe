using System.Runtime.CompilerServices;
using global::MessagePack;

namespace IpcKit.Transports.MessagePack;

/// <summary>
/// Typed send and receive over any <see cref="IConnection"/> with MessagePack-CSharp: one message is one MessagePack
/// value. Declare a message type with <c>[MessagePackObject]</c> and <c>[Key]</c> and send it; there is no formatter to write.
/// </summary>
/// <remarks>
/// <para>Sending serializes straight into a buffer rented from a per-thread cache over <see cref="System.Buffers.ArrayPool{T}"/>,
/// so a warm send allocates nothing for the bytes. Receiving deserializes straight from the connection's receive buffer,
/// before the next receive can reuse it, and keeps nothing of it: the result object is the only allocation.</para>
/// <para>Without options, <see cref="MessagePackFrames.DefaultOptions"/> applies (<see cref="MessagePackSecurity.UntrustedData"/>).
/// Options you pass are used as they are: start from <c>MessagePackFrames.DefaultOptions</c> (e.g.
/// <c>.WithResolver(…)</c>) to keep the untrusted-data limits.</para>
/// <para>The receive methods expect a message: a clean end of stream raises <see cref="ConnectionClosedException"/>;
/// <see cref="ReadAllAsync{T}"/> ends there instead. A message that is not exactly one valid value raises
/// <see cref="ProtocolViolationException"/>, and the connection stays usable for the next message.</para>
/// <para>Beware: <c>connection.SendAsync(byteArray)</c> binds to <see cref="IConnection.SendAsync"/> and sends the raw
/// bytes; to send a <see cref="byte"/>[] as a MessagePack bin, call <c>SendAsync&lt;byte[]&gt;(…)</c>.</para>
/// </remarks>
public static class MessagePackConnectionExtensions
{
    /// <summary>Serializes <paramref name="value"/> and sends it as one message.</summary>
    /// <exception cref="FrameTooLargeException">The serialized value exceeds the connection's maximum message size.</exception>
    /// <exception cref="ConnectionClosedException">The connection is closed or the peer has gone.</exception>
    public static ValueTask SendAsync<T>(this IConnection connection, T value, CancellationToken cancellationToken) =>
        SendAsync(connection, value, null, cancellationToken);

    /// <summary>Serializes <paramref name="value"/> with <paramref name="options"/> and sends it as one message.</summary>
    /// <exception cref="FrameTooLargeException">The serialized value exceeds the connection's maximum message size.</exception>
    /// <exception cref="ConnectionClosedException">The connection is closed or the peer has gone.</exception>
    public static ValueTask SendAsync<T>(this IConnection connection, T value, MessagePackSerializerOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        PooledBufferWriter buffer = PooledBufferWriter.Rent();
        ValueTask pending;
        try
        {
            MessagePackSerializer.Serialize(buffer, value, options ?? MessagePackFrames.DefaultOptions, cancellationToken);
            pending = connection.SendAsync(buffer.WrittenMemory, cancellationToken);
        }
        catch
        {
            PooledBufferWriter.Return(buffer);
            throw;
        }

        if (pending.IsCompletedSuccessfully)
        {
            pending.GetAwaiter().GetResult();
            PooledBufferWriter.Return(buffer);
            return default;
        }

        return AwaitThenReturn(pending, buffer);
    }

    /// <summary>Receives one message and deserializes it as <typeparamref name="T"/>.</summary>
    /// <exception cref="ConnectionClosedException">The peer closed the connection (cleanly or not) where a message was expected.</exception>
    /// <exception cref="ProtocolViolationException">The message is not exactly one valid <typeparamref name="T"/>.</exception>
    public static ValueTask<T> ReceiveAsync<T>(this IConnection connection, CancellationToken cancellationToken) =>
        ReceiveAsync<T>(connection, null, cancellationToken);

    /// <summary>Receives one message and deserializes it as <typeparamref name="T"/> with <paramref name="options"/>.</summary>
    /// <exception cref="ConnectionClosedException">The peer closed the connection (cleanly or not) where a message was expected.</exception>
    /// <exception cref="ProtocolViolationException">The message is not exactly one valid <typeparamref name="T"/>.</exception>
    public static ValueTask<T> ReceiveAsync<T>(this IConnection connection, MessagePackSerializerOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ValueTask<ReadOnlyMemory<byte>?> pending = connection.ReceiveAsync(cancellationToken);
        return pending.IsCompletedSuccessfully
            ? new ValueTask<T>(Decode<T>(connection, pending.Result, options))
            : AwaitThenDecode<T>(connection, pending, options);
    }

    /// <summary>Receives and deserializes messages until the peer ends the stream cleanly.</summary>
    /// <exception cref="ConnectionClosedException">The peer vanished without a clean end of stream.</exception>
    /// <exception cref="ProtocolViolationException">A message is not exactly one valid <typeparamref name="T"/>; the sequence ends there.</exception>
    public static async IAsyncEnumerable<T> ReadAllAsync<T>(
        this IConnection connection, MessagePackSerializerOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        while (await connection.ReceiveAsync(cancellationToken).ConfigureAwait(false) is { } message)
        {
            yield return MessagePackFrames.Read<T>(message, options);
        }
    }

    /// <summary>Serializes <paramref name="value"/> and sends it as one message, blocking the calling thread.</summary>
    /// <exception cref="FrameTooLargeException">The serialized value exceeds the connection's maximum message size.</exception>
    /// <exception cref="ConnectionClosedException">The connection is closed or the peer has gone.</exception>
    public static void Send<T>(this IConnection connection, T value, MessagePackSerializerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(connection);
        PooledBufferWriter buffer = PooledBufferWriter.Rent();
        try
        {
            MessagePackSerializer.Serialize(buffer, value, options ?? MessagePackFrames.DefaultOptions);
            connection.Send(buffer.WrittenMemory.Span);
        }
        finally
        {
            PooledBufferWriter.Return(buffer);
        }
    }

    /// <summary>Receives one message and deserializes it as <typeparamref name="T"/>, blocking the calling thread.</summary>
    /// <exception cref="ConnectionClosedException">The peer closed the connection (cleanly or not) where a message was expected.</exception>
    /// <exception cref="ProtocolViolationException">The message is not exactly one valid <typeparamref name="T"/>.</exception>
    public static T Receive<T>(this IConnection connection, MessagePackSerializerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(connection);
        return Decode<T>(connection, connection.Receive(), options);
    }

    private static async ValueTask AwaitThenReturn(ValueTask pending, PooledBufferWriter buffer)
    {
        try
        {
            await pending.ConfigureAwait(false);
        }
        finally
        {
            PooledBufferWriter.Return(buffer);
        }
    }

    private static async ValueTask<T> AwaitThenDecode<T>(IConnection connection, ValueTask<ReadOnlyMemory<byte>?> pending, MessagePackSerializerOptions? options) =>
        Decode<T>(connection, await pending.ConfigureAwait(false), options);

    private static T Decode<T>(IConnection connection, ReadOnlyMemory<byte>? message, MessagePackSerializerOptions? options) =>
        message is { } bytes
            ? MessagePackFrames.Read<T>(bytes, options)
            : throw new ConnectionClosedException(
                $"The peer closed the connection to {connection.Endpoint} where a {typeof(T).Name} message was expected.");
}
