using System.Buffers;

namespace IpcKit.Transports.MessagePack.Formatters;

// One stateless singleton per primitive type. Integers go through the writer's smallest-encoding rule and the
// reader's range-checked narrowing, so a value written from one integer type reads into any type that can hold it.

internal sealed class SByteFormatter : IMessagePackFormatter<sbyte>
{
    public static readonly SByteFormatter Instance = new();

    public void Serialize(ref MessagePackWriter writer, sbyte value, MessagePackSerializerOptions options) => writer.Write(value);

    public sbyte Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options) => reader.ReadSByte();
}

internal sealed class Int16Formatter : IMessagePackFormatter<short>
{
    public static readonly Int16Formatter Instance = new();

    public void Serialize(ref MessagePackWriter writer, short value, MessagePackSerializerOptions options) => writer.Write(value);

    public short Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options) => reader.ReadInt16();
}

internal sealed class Int32Formatter : IMessagePackFormatter<int>
{
    public static readonly Int32Formatter Instance = new();

    public void Serialize(ref MessagePackWriter writer, int value, MessagePackSerializerOptions options) => writer.Write(value);

    public int Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options) => reader.ReadInt32();
}

internal sealed class Int64Formatter : IMessagePackFormatter<long>
{
    public static readonly Int64Formatter Instance = new();

    public void Serialize(ref MessagePackWriter writer, long value, MessagePackSerializerOptions options) => writer.Write(value);

    public long Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options) => reader.ReadInt64();
}

internal sealed class ByteFormatter : IMessagePackFormatter<byte>
{
    public static readonly ByteFormatter Instance = new();

    public void Serialize(ref MessagePackWriter writer, byte value, MessagePackSerializerOptions options) => writer.Write(value);

    public byte Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options) => reader.ReadByte();
}

internal sealed class UInt16Formatter : IMessagePackFormatter<ushort>
{
    public static readonly UInt16Formatter Instance = new();

    public void Serialize(ref MessagePackWriter writer, ushort value, MessagePackSerializerOptions options) => writer.Write(value);

    public ushort Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options) => reader.ReadUInt16();
}

internal sealed class UInt32Formatter : IMessagePackFormatter<uint>
{
    public static readonly UInt32Formatter Instance = new();

    public void Serialize(ref MessagePackWriter writer, uint value, MessagePackSerializerOptions options) => writer.Write(value);

    public uint Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options) => reader.ReadUInt32();
}

internal sealed class UInt64Formatter : IMessagePackFormatter<ulong>
{
    public static readonly UInt64Formatter Instance = new();

    public void Serialize(ref MessagePackWriter writer, ulong value, MessagePackSerializerOptions options) => writer.Write(value);

    public ulong Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options) => reader.ReadUInt64();
}

internal sealed class BooleanFormatter : IMessagePackFormatter<bool>
{
    public static readonly BooleanFormatter Instance = new();

    public void Serialize(ref MessagePackWriter writer, bool value, MessagePackSerializerOptions options) => writer.Write(value);

    public bool Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options) => reader.ReadBoolean();
}

internal sealed class SingleFormatter : IMessagePackFormatter<float>
{
    public static readonly SingleFormatter Instance = new();

    public void Serialize(ref MessagePackWriter writer, float value, MessagePackSerializerOptions options) => writer.Write(value);

    public float Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options) => reader.ReadSingle();
}

internal sealed class DoubleFormatter : IMessagePackFormatter<double>
{
    public static readonly DoubleFormatter Instance = new();

    public void Serialize(ref MessagePackWriter writer, double value, MessagePackSerializerOptions options) => writer.Write(value);

    public double Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options) => reader.ReadDouble();
}

internal sealed class StringFormatter : IMessagePackFormatter<string?>
{
    public static readonly StringFormatter Instance = new();

    public void Serialize(ref MessagePackWriter writer, string? value, MessagePackSerializerOptions options) => writer.Write(value);

    public string? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options) => reader.ReadString();
}

internal sealed class ByteArrayFormatter : IMessagePackFormatter<byte[]?>
{
    public static readonly ByteArrayFormatter Instance = new();

    public void Serialize(ref MessagePackWriter writer, byte[]? value, MessagePackSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNil();
        }
        else
        {
            writer.WriteBinary(value);
        }
    }

    public byte[]? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadBinarySpan(out ReadOnlySpan<byte> span))
        {
            return span.IsEmpty ? [] : span.ToArray();
        }

        ReadOnlySequence<byte>? bytes = reader.ReadBytes();
        return bytes is { } b ? (b.IsEmpty ? [] : b.ToArray()) : null;
    }
}

internal sealed class DateTimeFormatter : IMessagePackFormatter<DateTime>
{
    public static readonly DateTimeFormatter Instance = new();

    public void Serialize(ref MessagePackWriter writer, DateTime value, MessagePackSerializerOptions options) => writer.WriteTimestamp(value);

    public DateTime Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options) => reader.ReadTimestamp();
}

internal sealed class DateTimeOffsetFormatter : IMessagePackFormatter<DateTimeOffset>
{
    public static readonly DateTimeOffsetFormatter Instance = new();

    public void Serialize(ref MessagePackWriter writer, DateTimeOffset value, MessagePackSerializerOptions options) => writer.WriteTimestamp(value);

    public DateTimeOffset Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options) => new(reader.ReadTimestamp());
}

/// <summary>A <see cref="Guid"/> as bin 16 in RFC 4122 (big-endian) byte order: the bytes read like its text form.</summary>
internal sealed class GuidFormatter : IMessagePackFormatter<Guid>
{
    public static readonly GuidFormatter Instance = new();

    public void Serialize(ref MessagePackWriter writer, Guid value, MessagePackSerializerOptions options)
    {
        Span<byte> bytes = stackalloc byte[16];
        _ = value.TryWriteBytes(bytes, bigEndian: true, out _);
        writer.WriteBinary(bytes);
    }

    public Guid Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        long start = reader.Consumed;
        if (reader.TryReadBinarySpan(out ReadOnlySpan<byte> span))
        {
            return span.Length == 16
                ? new Guid(span, bigEndian: true)
                : throw new MessagePackException(start, $"expected a Guid (bin 16) but found a bin of {span.Length} bytes.");
        }

        ReadOnlySequence<byte> bytes = reader.ReadBytes()
            ?? throw new MessagePackException(start, "expected a Guid (bin 16) but found nil.");
        if (bytes.Length != 16)
        {
            throw new MessagePackException(start, $"expected a Guid (bin 16) but found a bin of {bytes.Length} bytes.");
        }

        if (bytes.IsSingleSegment)
        {
            return new Guid(bytes.FirstSpan, bigEndian: true);
        }

        Span<byte> copy = stackalloc byte[16];
        bytes.CopyTo(copy);
        return new Guid(copy, bigEndian: true);
    }
}
