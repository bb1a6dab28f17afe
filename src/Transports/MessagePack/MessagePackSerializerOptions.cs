using System.Collections.Concurrent;
using IpcKit.Transports.MessagePack.Formatters;

namespace IpcKit.Transports.MessagePack;

/// <summary>
/// Which formatter serves which type, and the limits for reading. Immutable: every <c>With*</c> method returns a copy.
/// </summary>
/// <remarks>
/// <para>Built in, with no registration: <see cref="bool"/>, every integer type, <see cref="float"/>, <see cref="double"/>,
/// <see cref="string"/> (str; null as nil), <see cref="byte"/>[] (bin; null as nil), <see cref="DateTime"/> and
/// <see cref="DateTimeOffset"/> (timestamp extension -1, UTC; a DateTimeOffset's offset is not kept), <see cref="Guid"/>
/// (bin 16 in RFC 4122 byte order, the order of its text form), enums (their underlying integer; undefined values pass
/// through), <see cref="Nullable{T}"/> (nil or the value), <c>T[]</c> and <see cref="List{T}"/> (array; null as nil) and
/// <see cref="Dictionary{TKey, TValue}"/> (map; null as nil; a repeated key is an error).</para>
/// <para>Formatters are chosen by the static type alone. Nothing on the wire names a type, so input can never make the
/// deserializer instantiate a type the caller did not ask for.</para>
/// </remarks>
public sealed class MessagePackSerializerOptions
{
    private readonly Dictionary<Type, object> _registered;
    private readonly ConcurrentDictionary<Type, object> _resolved = new();

    private MessagePackSerializerOptions(MessagePackReaderOptions readerOptions, Dictionary<Type, object> registered)
    {
        ReaderOptions = readerOptions;
        _registered = registered;
    }

    /// <summary>Built-in formatters only, and <see cref="MessagePackReaderOptions.Default"/> limits.</summary>
    public static MessagePackSerializerOptions Default { get; } = new(MessagePackReaderOptions.Default, []);

    /// <summary>The limits enforced while deserializing.</summary>
    public MessagePackReaderOptions ReaderOptions { get; }

    /// <summary>Returns a copy that enforces other limits.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="readerOptions"/> is null.</exception>
    public MessagePackSerializerOptions WithReaderOptions(MessagePackReaderOptions readerOptions)
    {
        ArgumentNullException.ThrowIfNull(readerOptions);
        return new MessagePackSerializerOptions(readerOptions, _registered);
    }

    /// <summary>
    /// Returns a copy in which <paramref name="formatter"/> serves <typeparamref name="T"/>, replacing a built-in or
    /// previously registered one. Collections of <typeparamref name="T"/> (arrays, lists, dictionaries, nullables) pick it up.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="formatter"/> is null.</exception>
    public MessagePackSerializerOptions WithFormatter<T>(IMessagePackFormatter<T> formatter)
    {
        ArgumentNullException.ThrowIfNull(formatter);
        return new MessagePackSerializerOptions(ReaderOptions, new Dictionary<Type, object>(_registered) { [typeof(T)] = formatter });
    }

    /// <summary>The formatter for <typeparamref name="T"/>: a registered one, else a built-in one.</summary>
    /// <exception cref="InvalidOperationException">No formatter serves <typeparamref name="T"/>; register one with <see cref="WithFormatter{T}"/>.</exception>
    public IMessagePackFormatter<T> GetFormatter<T>()
    {
        // Formatters call this for every nested value, so the common case (the same options as last time for this T)
        // is one static read and one comparison. The entry is one object, so readers on other threads see it whole.
        LastUsed<T>? last = LastUsed<T>.Entry;
        return last is not null && ReferenceEquals(last.Options, this) ? last.Formatter : Resolve<T>();
    }

    private IMessagePackFormatter<T> Resolve<T>()
    {
        if (!_resolved.TryGetValue(typeof(T), out object? formatter))
        {
            formatter = _registered.TryGetValue(typeof(T), out object? registered)
                ? registered
                : BuiltInFormatters.Create(typeof(T))
                  ?? throw new InvalidOperationException(
                      $"No MessagePack formatter for {typeof(T)}. Register one with MessagePackSerializerOptions.WithFormatter<{typeof(T).Name}>(…).");
            formatter = _resolved.GetOrAdd(typeof(T), formatter);
        }

        var typed = (IMessagePackFormatter<T>)formatter;
        LastUsed<T>.Entry = new LastUsed<T>(this, typed);
        return typed;
    }

    /// <summary>The options last used to look up <typeparamref name="T"/>, and what they returned.</summary>
    private sealed class LastUsed<T>(MessagePackSerializerOptions options, IMessagePackFormatter<T> formatter)
    {
        public static LastUsed<T>? Entry;

        public MessagePackSerializerOptions Options { get; } = options;

        public IMessagePackFormatter<T> Formatter { get; } = formatter;
    }
}
