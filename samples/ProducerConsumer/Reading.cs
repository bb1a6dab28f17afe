using System.Buffers.Binary;

namespace IpcKit.Samples.ProducerConsumer;

/// <summary>
/// One sensor reading, 24 bytes on the wire in a fixed little-endian layout: sequence, sensor id, value. A fixed
/// binary layout is the cheapest message there is: the producer reuses one buffer and the consumer reads the fields
/// in place from the receive buffer, so neither side allocates per message.
/// </summary>
internal readonly record struct Reading(long Sequence, long SensorId, double Value)
{
    public const int Size = 24;

    public void WriteTo(Span<byte> destination)
    {
        BinaryPrimitives.WriteInt64LittleEndian(destination, Sequence);
        BinaryPrimitives.WriteInt64LittleEndian(destination[8..], SensorId);
        BinaryPrimitives.WriteDoubleLittleEndian(destination[16..], Value);
    }

    /// <summary>Reads a reading from a received message. The span is only valid until the next receive: parse, don't keep.</summary>
    public static Reading ReadFrom(ReadOnlySpan<byte> message) =>
        message.Length == Size
            ? new(BinaryPrimitives.ReadInt64LittleEndian(message),
                  BinaryPrimitives.ReadInt64LittleEndian(message[8..]),
                  BinaryPrimitives.ReadDoubleLittleEndian(message[16..]))
            : throw new InvalidDataException($"A reading is {Size} bytes, not {message.Length}.");

    /// <summary>The value the producer sends for a sequence number, so the consumer can check every message.</summary>
    public static double ExpectedValue(long sequence) => (sequence % 1000) * 0.5;
}
