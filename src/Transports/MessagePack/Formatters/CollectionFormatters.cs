using System.Runtime.CompilerServices;

namespace IpcKit.Transports.MessagePack.Formatters;

/// <summary>A one-dimensional array as a MessagePack array; null as nil.</summary>
internal sealed class ArrayFormatter<T> : IMessagePackFormatter<T[]?>
{
    public void Serialize(ref MessagePackWriter writer, T[]? value, MessagePackSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNil();
            return;
        }

        IMessagePackFormatter<T> element = options.GetFormatter<T>();
        writer.WriteArrayHeader(value.Length);
        foreach (T item in value)
        {
            element.Serialize(ref writer, item, options);
        }
    }

    public T[]? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil())
        {
            return null;
        }

        int count = reader.ReadArrayHeader();
        if (count == 0)
        {
            return [];
        }

        IMessagePackFormatter<T> element = options.GetFormatter<T>();
        var result = new T[count];
        reader.IncrementDepth();
        for (int i = 0; i < result.Length; i++)
        {
            result[i] = element.Deserialize(ref reader, options);
        }

        reader.DecrementDepth();
        return result;
    }
}

/// <summary>A <see cref="List{T}"/> as a MessagePack array; null as nil.</summary>
internal sealed class ListFormatter<T> : IMessagePackFormatter<List<T>?>
{
    public void Serialize(ref MessagePackWriter writer, List<T>? value, MessagePackSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNil();
            return;
        }

        IMessagePackFormatter<T> element = options.GetFormatter<T>();
        writer.WriteArrayHeader(value.Count);
        foreach (T item in value)
        {
            element.Serialize(ref writer, item, options);
        }
    }

    public List<T>? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil())
        {
            return null;
        }

        int count = reader.ReadArrayHeader();
        IMessagePackFormatter<T> element = options.GetFormatter<T>();
        var result = new List<T>(count);
        reader.IncrementDepth();
        for (int i = 0; i < count; i++)
        {
            result.Add(element.Deserialize(ref reader, options));
        }

        reader.DecrementDepth();
        return result;
    }
}

/// <summary>A <see cref="Dictionary{TKey, TValue}"/> as a MessagePack map; null as nil. A nil or repeated key is an error.</summary>
internal sealed class DictionaryFormatter<TKey, TValue> : IMessagePackFormatter<Dictionary<TKey, TValue>?>
    where TKey : notnull
{
    public void Serialize(ref MessagePackWriter writer, Dictionary<TKey, TValue>? value, MessagePackSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNil();
            return;
        }

        IMessagePackFormatter<TKey> keys = options.GetFormatter<TKey>();
        IMessagePackFormatter<TValue> values = options.GetFormatter<TValue>();
        writer.WriteMapHeader(value.Count);
        foreach (KeyValuePair<TKey, TValue> entry in value)
        {
            keys.Serialize(ref writer, entry.Key, options);
            values.Serialize(ref writer, entry.Value, options);
        }
    }

    public Dictionary<TKey, TValue>? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil())
        {
            return null;
        }

        int count = reader.ReadMapHeader();
        IMessagePackFormatter<TKey> keys = options.GetFormatter<TKey>();
        IMessagePackFormatter<TValue> values = options.GetFormatter<TValue>();
        var result = new Dictionary<TKey, TValue>(count);
        reader.IncrementDepth();
        for (int i = 0; i < count; i++)
        {
            long keyOffset = reader.Consumed;
            TKey key = keys.Deserialize(ref reader, options);
            if (key is null)
            {
                throw new MessagePackException(keyOffset, "a map key is nil, which a Dictionary cannot hold.");
            }

            if (!result.TryAdd(key, values.Deserialize(ref reader, options)))
            {
                throw new MessagePackException(keyOffset, $"the map repeats the key '{key}'.");
            }
        }

        reader.DecrementDepth();
        return result;
    }
}

/// <summary>A <see cref="Nullable{T}"/> as nil or as the value.</summary>
internal sealed class NullableFormatter<T> : IMessagePackFormatter<T?>
    where T : struct
{
    public void Serialize(ref MessagePackWriter writer, T? value, MessagePackSerializerOptions options)
    {
        if (value is { } v)
        {
            options.GetFormatter<T>().Serialize(ref writer, v, options);
        }
        else
        {
            writer.WriteNil();
        }
    }

    public T? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options) =>
        reader.TryReadNil() ? null : options.GetFormatter<T>().Deserialize(ref reader, options);
}

/// <summary>An enum as its underlying integer. Values need not be defined members: they pass through as C# casts do.</summary>
internal sealed class EnumFormatter<T> : IMessagePackFormatter<T>
    where T : struct, Enum
{
    private static readonly TypeCode Underlying = Type.GetTypeCode(Enum.GetUnderlyingType(typeof(T)));

    public void Serialize(ref MessagePackWriter writer, T value, MessagePackSerializerOptions options)
    {
        switch (Underlying)
        {
            case TypeCode.SByte: writer.Write(Unsafe.As<T, sbyte>(ref value)); break;
            case TypeCode.Int16: writer.Write(Unsafe.As<T, short>(ref value)); break;
            case TypeCode.Int32: writer.Write(Unsafe.As<T, int>(ref value)); break;
            case TypeCode.Int64: writer.Write(Unsafe.As<T, long>(ref value)); break;
            case TypeCode.Byte: writer.Write(Unsafe.As<T, byte>(ref value)); break;
            case TypeCode.UInt16: writer.Write(Unsafe.As<T, ushort>(ref value)); break;
            case TypeCode.UInt32: writer.Write(Unsafe.As<T, uint>(ref value)); break;
            default: writer.Write(Unsafe.As<T, ulong>(ref value)); break;
        }
    }

    public T Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        switch (Underlying)
        {
            case TypeCode.SByte: { sbyte v = reader.ReadSByte(); return Unsafe.As<sbyte, T>(ref v); }
            case TypeCode.Int16: { short v = reader.ReadInt16(); return Unsafe.As<short, T>(ref v); }
            case TypeCode.Int32: { int v = reader.ReadInt32(); return Unsafe.As<int, T>(ref v); }
            case TypeCode.Int64: { long v = reader.ReadInt64(); return Unsafe.As<long, T>(ref v); }
            case TypeCode.Byte: { byte v = reader.ReadByte(); return Unsafe.As<byte, T>(ref v); }
            case TypeCode.UInt16: { ushort v = reader.ReadUInt16(); return Unsafe.As<ushort, T>(ref v); }
            case TypeCode.UInt32: { uint v = reader.ReadUInt32(); return Unsafe.As<uint, T>(ref v); }
            default: { ulong v = reader.ReadUInt64(); return Unsafe.As<ulong, T>(ref v); }
        }
    }
}
