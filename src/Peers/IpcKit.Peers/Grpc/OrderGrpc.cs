using global::Grpc.Core;
using IpcKit.Protocol.Samples;

namespace IpcKit.Peers.Grpc;

/// <summary>
/// The gRPC service both ends share: one unary method, <c>/ipckit.Orders/Place</c>, taking an <see cref="Order"/> and
/// returning an <see cref="OrderReceipt"/>.
/// </summary>
/// <remarks>
/// Defined code-first (a <see cref="Method{TRequest, TResponse}"/> with MessagePack marshallers) rather than generated
/// from a .proto file by Grpc.Tools: the messages must be the same MessagePack bytes that <c>unix</c> and <c>mmf</c>
/// carry in the request workload, so that what the table shows over the bare transport is gRPC itself (HTTP/2 framing,
/// headers, the call machinery), not protobuf against MessagePack. It also keeps protoc and Google.Protobuf out of
/// the build. gRPC allows any marshaller; only the content type on the wire stays <c>application/grpc</c>.
/// </remarks>
internal static class OrderGrpc
{
    public const string ServiceName = "ipckit.Orders";

    // Contextual marshallers: the order is encoded straight into gRPC's buffer, and decoded from its sequence.
    private static readonly Marshaller<Order> OrderMarshaller = Marshallers.Create<Order>(
        (order, context) =>
        {
            OrderCodec.WriteOrder(context.GetBufferWriter(), order);
            context.Complete();
        },
        context => OrderCodec.ReadOrder(context.PayloadAsReadOnlySequence()));

    private static readonly Marshaller<OrderReceipt> ReceiptMarshaller = Marshallers.Create<OrderReceipt>(
        (receipt, context) =>
        {
            OrderCodec.WriteReceipt(context.GetBufferWriter(), receipt);
            context.Complete();
        },
        context => OrderCodec.ReadReceipt(context.PayloadAsReadOnlySequence()));

    public static Method<Order, OrderReceipt> Place { get; } = new(MethodType.Unary, ServiceName, "Place", OrderMarshaller, ReceiptMarshaller);
}
