using IpcKit.Protocol;
using IpcKit.Protocol.Samples;
using IpcKit.Transports;
using IpcKit.Transports.MessagePack;

namespace IpcKit.Worker;

/// <summary>The request workload's server side: decode each Order, answer with its receipt.</summary>
internal static class RequestReply
{
    public static void Serve(IConnection data, StreamVerifier verifier)
    {
        _ = verifier; // typed requests carry their sequence in the order id; the coordinator checks the receipts
        var options = OrderReceiptFormatter.Options;
        while (data.Receive() is { } message)
        {
            var order = MessagePackSerializer.Deserialize<Order?>(message, options)
                        ?? throw new ProtocolViolationException("The request workload received a nil order.");
            data.Send<OrderReceipt?>(OrderReceipt.For(order), options);
        }
    }
}
