using System.Buffers;
using IpcKit.Protocol.Samples;
using MessagePack;
using MessagePack.Formatters;
using MessagePack.Resolvers;

namespace IpcKit.Peers.JsonRpc;

/// <summary>
/// The MessagePack-CSharp options StreamJsonRpc's <c>MessagePackFormatter</c> serializes orders and receipts with:
/// untrusted-data security, and formatters that write the very bytes <see cref="OrderCodec"/> writes, so the order
/// inside the JSON-RPC envelope is the same MessagePack value the bare transports carry.
/// </summary>
/// <remarks>
/// A bridge for as long as <see cref="Order"/> is encoded by IpcKit's own codec rather than as a MessagePack-CSharp
/// attributed type: once it is attributed, StandardResolver handles it and these formatters go.
/// </remarks>
internal static class OrderMessagePack
{
    public static MessagePackSerializerOptions Options { get; } = MessagePackSerializerOptions.Standard
        .WithResolver(CompositeResolver.Create([new OrderFormatter(), new ReceiptFormatter()], [StandardResolver.Instance]))
        .WithSecurity(MessagePackSecurity.UntrustedData);

    // One scratch buffer per thread: the measuring thread encodes an order per call without allocating a new one.
    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_buffer;

    private static ArrayBufferWriter<byte> Buffer()
    {
        var buffer = t_buffer ??= new ArrayBufferWriter<byte>(512);
        buffer.ResetWrittenCount();
        return buffer;
    }

    private sealed class OrderFormatter : IMessagePackFormatter<Order?>
    {
        public void Serialize(ref MessagePackWriter writer, Order? value, MessagePackSerializerOptions options)
        {
            if (value is null)
            {
                writer.WriteNil();
                return;
            }

            var buffer = Buffer();
            OrderCodec.WriteOrder(buffer, value);
            writer.WriteRaw(buffer.WrittenSpan);
        }

        public Order? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options) =>
            reader.TryReadNil() ? null : OrderCodec.ReadOrder(reader.ReadRaw());
    }

    private sealed class ReceiptFormatter : IMessagePackFormatter<OrderReceipt?>
    {
        public void Serialize(ref MessagePackWriter writer, OrderReceipt? value, MessagePackSerializerOptions options)
        {
            if (value is null)
            {
                writer.WriteNil();
                return;
            }

            var buffer = Buffer();
            OrderCodec.WriteReceipt(buffer, value);
            writer.WriteRaw(buffer.WrittenSpan);
        }

        public OrderReceipt? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options) =>
            reader.TryReadNil() ? null : OrderCodec.ReadReceipt(reader.ReadRaw());
    }
}
