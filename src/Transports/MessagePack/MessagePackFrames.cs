using System.Globalization;
using global::MessagePack;

namespace IpcKit.Transports.MessagePack;

/// <summary>
/// The wire rule of IpcKit's typed messages: one frame holds exactly one MessagePack value, encoded by MessagePack-CSharp
/// (docs/messagepack.md). These helpers apply it to bytes you already hold; the <see cref="IConnection"/> extensions in
/// <see cref="MessagePackConnectionExtensions"/> apply it to a connection.
/// </summary>
public static class MessagePackFrames
{
    /// <summary>
    /// The options used when none are given: MessagePack-CSharp's standard resolver with
    /// <see cref="MessagePackSecurity.UntrustedData"/> — a bounded object-graph depth (500) and hash-collision-resistant
    /// comparers for dictionaries and sets — because a message comes from another process.
    /// </summary>
    public static MessagePackSerializerOptions DefaultOptions { get; } =
        MessagePackSerializerOptions.Standard.WithSecurity(MessagePackSecurity.UntrustedData);

    /// <summary>Decodes <paramref name="frame"/>, which must hold exactly one <typeparamref name="T"/> and nothing after it.</summary>
    /// <param name="frame">One received message.</param>
    /// <param name="options">Resolver and security; <see cref="DefaultOptions"/> when null.</param>
    /// <exception cref="ProtocolViolationException">The frame is not one valid <typeparamref name="T"/> (malformed, truncated,
    /// too deep, the wrong type, or bytes follow the value); the inner exception is MessagePack-CSharp's.</exception>
    /// <exception cref="MessagePackSerializationException">No formatter serves <typeparamref name="T"/> (a programming error, not bad input).</exception>
    public static T Read<T>(ReadOnlyMemory<byte> frame, MessagePackSerializerOptions? options = null)
    {
        var reader = new MessagePackReader(frame);
        T value;
        try
        {
            value = MessagePackSerializer.Deserialize<T>(ref reader, options ?? DefaultOptions);
        }
        catch (MessagePackSerializationException e) when (e.InnerException is not FormatterNotRegisteredException)
        {
            throw new ProtocolViolationException(
                $"A {frame.Length.ToString(CultureInfo.InvariantCulture)}-byte message is not one valid {typeof(T).Name}: {Describe(e)}", e);
        }

        if (!reader.End)
        {
            long left = frame.Length - reader.Consumed;
            throw new ProtocolViolationException(
                $"{left.ToString(CultureInfo.InvariantCulture)} byte(s) follow the {typeof(T).Name} value in a " +
                $"{frame.Length.ToString(CultureInfo.InvariantCulture)}-byte message; a message holds exactly one MessagePack value.");
        }

        return value;
    }

    /// <summary>MessagePack-CSharp wraps the cause (end of data, too deep, a wrong code); name both.</summary>
    private static string Describe(MessagePackSerializationException e) =>
        e.InnerException is { } inner && inner.Message != e.Message ? $"{e.Message} ({inner.Message})" : e.Message;
}
