using System.Buffers;
using IpcKit.Protocol.Samples;
using IpcKit.Transports;
using IpcKit.Transports.MessagePack;
using MessagePack;

namespace IpcKit.Peers;

/// <summary>
/// The one encoding of the request workload's messages that every peer carries: MessagePack-CSharp with
/// <see cref="MessagePackFrames.DefaultOptions"/> (untrusted-data security), the serializer and options
/// <c>RequestWorkload</c> and the worker's reply role use, so the bytes are those the bare transports carry and a row's
/// difference from <c>unix</c> is the framework, not the codec. StreamJsonRpc's formatter is given the same options
/// (JsonRpc/JsonRpcOrders).
/// </summary>
internal static class OrderCodec
{
    public static MessagePackSerializerOptions Options => MessagePackFrames.DefaultOptions;

    public static void WriteOrder(IBufferWriter<byte> output, Order order) => MessagePackSerializer.Serialize(output, order, Options);

    /// <exception cref="ProtocolViolationException">The bytes are not exactly one order.</exception>
    public static Order ReadOrder(ReadOnlySequence<byte> bytes) =>
        MessagePackFrames.Read<Order?>(Contiguous(bytes), Options) ?? throw new ProtocolViolationException("A peer received a nil order.");

    public static void WriteReceipt(IBufferWriter<byte> output, OrderReceipt receipt) => MessagePackSerializer.Serialize(output, receipt, Options);

    /// <exception cref="ProtocolViolationException">The bytes are not exactly one receipt.</exception>
    public static OrderReceipt ReadReceipt(ReadOnlySequence<byte> bytes) =>
        MessagePackFrames.Read<OrderReceipt?>(Contiguous(bytes), Options) ?? throw new ProtocolViolationException("A peer received a nil receipt.");

    // A message of a hundred-odd bytes is one segment but for rare buffer boundaries in gRPC's reader; then it is copied.
    private static ReadOnlyMemory<byte> Contiguous(ReadOnlySequence<byte> bytes) => bytes.IsSingleSegment ? bytes.First : bytes.ToArray();
}
