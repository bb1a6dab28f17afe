using System.Buffers;
using IpcKit.Protocol.Samples;
using IpcKit.Transports;
using Codec = IpcKit.Transports.MessagePack.MessagePackSerializer;

namespace IpcKit.Peers;

/// <summary>
/// The one encoding of the request workload's messages that every peer carries: the same MessagePack bytes the bare
/// transports carry (<c>RequestWorkload</c> and the worker's reply role use the same serializer and options), so that
/// a row's difference from <c>unix</c> is the framework, not the codec.
/// </summary>
internal static class OrderCodec
{
    public static void WriteOrder(IBufferWriter<byte> output, Order order) =>
        Codec.Serialize<Order?>(output, order, OrderReceiptFormatter.Options);

    public static Order ReadOrder(ReadOnlySequence<byte> bytes) =>
        Codec.Deserialize<Order?>(bytes, OrderReceiptFormatter.Options)
        ?? throw new ProtocolViolationException("A peer received a nil order.");

    public static void WriteReceipt(IBufferWriter<byte> output, OrderReceipt receipt) =>
        Codec.Serialize<OrderReceipt?>(output, receipt, OrderReceiptFormatter.Options);

    public static OrderReceipt ReadReceipt(ReadOnlySequence<byte> bytes) =>
        Codec.Deserialize<OrderReceipt?>(bytes, OrderReceiptFormatter.Options)
        ?? throw new ProtocolViolationException("A peer received a nil receipt.");
}
