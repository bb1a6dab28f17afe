namespace IpcKit.Transports.MessagePack;

/// <summary>
/// Typed send and receive over any <see cref="IConnection"/>: one message is one MessagePack value.
/// </summary>
/// <remarks>
/// <para>Sending serializes into a buffer rented from a per-thread cache over <see cref="System.Buffers.ArrayPool{T}"/>,
/// so a warm send allocates nothing for the bytes. Receiving deserializes straight from the connection's receive
/// buffer, before the next receive can reuse it, and keeps nothing of it.</para>
/// <para>The receive methods expect a message: a clean end of stream raises <see cref="ConnectionClosedException"/>.
/// To treat the end of stream as a normal outcome, call <see cref="IConnection.ReceiveAsync"/>, test for null, and pass
/// the bytes to <see cref="MessagePackSerializer.Deserialize{T}(ReadOnlyMemory{byte}, MessagePackSerializerOptions?)"/>.</para>
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
            MessagePackSerializer.Serialize(buffer, value, options);
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
    /// <exception cref="MessagePackException">The message is not one valid <typeparamref name="T"/>.</exception>
    public static ValueTask<T> ReceiveAsync<T>(this IConnection connection, CancellationToken cancellationToken) =>
        ReceiveAsync<T>(connection, null, cancellationToken);

    /// <summary>Receives one message and deserializes it as <typeparamref name="T"/> with <paramref name="options"/>.</summary>
    /// <exception cref="ConnectionClosedException">The peer closed the connection (cleanly or not) where a message was expected.</exception>
    /// <exception cref="MessagePackException">The message is not one valid <typeparamref name="T"/>.</exception>
    public static ValueTask<T> ReceiveAsync<T>(this IConnection connection, MessagePackSerializerOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ValueTask<ReadOnlyMemory<byte>?> pending = connection.ReceiveAsync(cancellationToken);
        return pending.IsCompletedSuccessfully
            ? new ValueTask<T>(Decode<T>(connection, pending.Result, options))
            : AwaitThenDecode<T>(connection, pending, options);
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
            MessagePackSerializer.Serialize(buffer, value, options);
            connection.Send(buffer.WrittenMemory.Span);
        }
        finally
        {
            PooledBufferWriter.Return(buffer);
        }
    }

    /// <summary>Receives one message and deserializes it as <typeparamref name="T"/>, blocking the calling thread.</summary>
    /// <exception cref="ConnectionClosedException">The peer closed the connection (cleanly or not) where a message was expected.</exception>
    /// <exception cref="MessagePackException">The message is not one valid <typeparamref name="T"/>.</exception>
    public static T Receive<T>(this IConnection connection, MessagePackSerializerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(connection);
        return Decode<T>(connection, connection.Receive(), options);
    }

    private static async ValueTask AwaitThenReturn(ValueTask pending, PooledBufferWriter buffer)
    {
        try
        {
            await pending;
        }
        finally
        {
            PooledBufferWriter.Return(buffer);
        }
    }

    private static async ValueTask<T> AwaitThenDecode<T>(IConnection connection, ValueTask<ReadOnlyMemory<byte>?> pending, MessagePackSerializerOptions? options) =>
        Decode<T>(connection, await pending, options);

    private static T Decode<T>(IConnection connection, ReadOnlyMemory<byte>? message, MessagePackSerializerOptions? options) =>
        message is { } bytes
            ? MessagePackSerializer.Deserialize<T>(bytes, options)
            : throw new ConnectionClosedException(
                $"The peer closed the connection to {connection.Endpoint} where a {typeof(T).Name} message was expected.");
}
