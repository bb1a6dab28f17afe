namespace IpcKit.Transports.MessagePack;

/// <summary>
/// Turns values of <typeparamref name="T"/> into MessagePack and back. Register one for your own types with
/// <see cref="MessagePackSerializerOptions.WithFormatter{T}"/>; the wire carries no type names, so both sides must
/// agree on the formatter. Implementations must be stateless and thread-safe: one instance serves every call.
/// </summary>
/// <typeparam name="T">The type formatted.</typeparam>
public interface IMessagePackFormatter<T>
{
    /// <summary>Writes <paramref name="value"/> as exactly one MessagePack value (an array or map for a composite type).</summary>
    /// <param name="writer">The writer to append to. Do not call <see cref="MessagePackWriter.Flush"/>; the caller does.</param>
    /// <param name="value">The value to write.</param>
    /// <param name="options">The options in use, to look up the formatters of nested types.</param>
    void Serialize(ref MessagePackWriter writer, T value, MessagePackSerializerOptions options);

    /// <summary>
    /// Reads exactly one MessagePack value. A formatter that reads an array or map and then nested values calls
    /// <see cref="MessagePackReader.IncrementDepth"/> before them and <see cref="MessagePackReader.DecrementDepth"/> after,
    /// so that hostile nesting is bounded by <see cref="MessagePackReaderOptions.MaxDepth"/>.
    /// </summary>
    /// <param name="reader">The reader positioned at the value.</param>
    /// <param name="options">The options in use, to look up the formatters of nested types.</param>
    /// <exception cref="MessagePackException">The input does not hold a valid value of this type.</exception>
    T Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options);
}
