using MessagePack;

namespace IpcKit.Protocol.Samples;

/// <summary>The reply to an <see cref="Order"/> in the request workload: what the worker made of it.</summary>
/// <param name="OrderId">The id of the order answered; the coordinator uses it as the sequence number.</param>
/// <param name="Total">Price × quantity × (1 − discount), as the worker computed it.</param>
/// <param name="LineCount">How many line items the worker decoded.</param>
/// <param name="Accepted">Whether the worker accepted the order (not cancelled).</param>
/// <remarks>On the wire: a 4-element MessagePack array in this order.</remarks>
[MessagePackObject]
public sealed record OrderReceipt([property: Key(0)] long OrderId, [property: Key(1)] double Total, [property: Key(2)] int LineCount, [property: Key(3)] bool Accepted)
{
    /// <summary>The receipt an honest worker returns for <paramref name="order"/>.</summary>
    public static OrderReceipt For(Order order)
    {
        ArgumentNullException.ThrowIfNull(order);
        return new(order.Id, order.Price * order.Quantity * (1 - (order.Discount ?? 0)), order.LineItems.Count, order.Status != OrderStatus.Cancelled);
    }
}
