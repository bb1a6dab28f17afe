using System.Buffers;
using System.Globalization;

namespace IpcKit.Transports.MessagePack;

/// <summary>Serializes typed values to MessagePack and back, through the formatters of a <see cref="MessagePackSerializerOptions"/>.</summary>
public static class MessagePackSerializer
{
    /// <summary>Appends <paramref name="value"/> to <paramref name="output"/>.</summary>
    /// <param name="output">Where the bytes go.</param>
    /// <param name="value">The value to write.</param>
    /// <param name="options">Formatters to use; <see cref="MessagePackSerializerOptions.Default"/> when null.</param>
    /// <exception cref="InvalidOperationException">No formatter serves <typeparamref name="T"/>.</exception>
    public static void Serialize<T>(IBufferWriter<byte> output, T value, MessagePackSerializerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(output);
        options ??= MessagePackSerializerOptions.Default;
        var writer = new MessagePackWriter(output);
        options.GetFormatter<T>().Serialize(ref writer, value, options);
        writer.Flush();
    }

    /// <summary>Returns <paramref name="value"/> serialized into a new array. Prefer the <see cref="IBufferWriter{T}"/> overload on hot paths.</summary>
    /// <param name="value">The value to write.</param>
    /// <param name="options">Formatters to use; <see cref="MessagePackSerializerOptions.Default"/> when null.</param>
    /// <exception cref="InvalidOperationException">No formatter serves <typeparamref name="T"/>.</exception>
    public static byte[] Serialize<T>(T value, MessagePackSerializerOptions? options = null)
    {
        PooledBufferWriter buffer = PooledBufferWriter.Rent();
        try
        {
            Serialize(buffer, value, options);
            return buffer.WrittenMemory.ToArray();
        }
        finally
        {
            PooledBufferWriter.Return(buffer);
        }
    }

    /// <summary>Reads one value of <typeparamref name="T"/> that must span the whole input.</summary>
    /// <param name="bytes">The input.</param>
    /// <param name="options">Formatters and limits to use; <see cref="MessagePackSerializerOptions.Default"/> when null.</param>
    /// <exception cref="MessagePackException">The input is not one valid value of this type, or bytes follow the value.</exception>
    /// <exception cref="InvalidOperationException">No formatter serves <typeparamref name="T"/>.</exception>
    public static T Deserialize<T>(ReadOnlySequence<byte> bytes, MessagePackSerializerOptions? options = null)
    {
        options ??= MessagePackSerializerOptions.Default;
        var reader = new MessagePackReader(bytes, options.ReaderOptions);
        return DeserializeWhole<T>(ref reader, options);
    }

    /// <summary>Reads one value of <typeparamref name="T"/> that must span the whole input.</summary>
    /// <param name="bytes">The input.</param>
    /// <param name="options">Formatters and limits to use; <see cref="MessagePackSerializerOptions.Default"/> when null.</param>
    /// <exception cref="MessagePackException">The input is not one valid value of this type, or bytes follow the value.</exception>
    /// <exception cref="InvalidOperationException">No formatter serves <typeparamref name="T"/>.</exception>
    public static T Deserialize<T>(ReadOnlyMemory<byte> bytes, MessagePackSerializerOptions? options = null)
    {
        options ??= MessagePackSerializerOptions.Default;
        var reader = new MessagePackReader(bytes, options.ReaderOptions);
        return DeserializeWhole<T>(ref reader, options);
    }

    private static T DeserializeWhole<T>(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        IMessagePackFormatter<T> formatter = options.GetFormatter<T>();
        T value = formatter.Deserialize(ref reader, options);
        if (!reader.End)
        {
            throw new MessagePackException(reader.Consumed,
                $"{reader.Remaining.ToString(CultureInfo.InvariantCulture)} byte(s) follow the {typeof(T).Name} value; a message must hold exactly one value.");
        }

        return value;
    }
}
