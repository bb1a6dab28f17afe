using IpcKit.Transports.MessagePack;

namespace IpcKit.Protocol.Samples;

/// <summary>The reply to an <see cref="Order"/> in the request workload: what the worker made of it.</summary>
/// <param name="OrderId">The id of the order answered; the coordinator uses it as the sequence number.</param>
/// <param name="Total">Price × quantity × (1 − discount), as the worker computed it.</param>
/// <param name="LineCount">How many line items the worker decoded.</param>
/// <param name="Accepted">Whether the worker accepted the order (not cancelled).</param>
public sealed record OrderReceipt(long OrderId, double Total, int LineCount, bool Accepted)
{
    /// <summary>The receipt an honest worker returns for <paramref name="order"/>.</summary>
    public static OrderReceipt For(Order order)
    {
        ArgumentNullException.ThrowIfNull(order);
        return new(order.Id, order.Price * order.Quantity * (1 - (order.Discount ?? 0)), order.LineItems.Count, order.Status != OrderStatus.Cancelled);
    }
}

/// <summary>Writes an <see cref="OrderReceipt"/> as a 4-element MessagePack array.</summary>
public sealed class OrderReceiptFormatter : IMessagePackFormatter<OrderReceipt?>
{
    /// <summary>The shared instance.</summary>
    public static OrderReceiptFormatter Instance { get; } = new();

    /// <summary>Options that know both the order and the receipt.</summary>
    public static MessagePackSerializerOptions Options { get; } = OrderFormatter.Options.WithFormatter(Instance);

    /// <inheritdoc/>
    public void Serialize(ref MessagePackWriter writer, OrderReceipt? value, MessagePackSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNil();
            return;
        }

        writer.WriteArrayHeader(4);
        writer.Write(value.OrderId);
        writer.Write(value.Total);
        writer.Write(value.LineCount);
        writer.Write(value.Accepted);
    }

    /// <inheritdoc/>
    public OrderReceipt? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil())
        {
            return null;
        }

        long start = reader.Consumed;
        int count = reader.ReadArrayHeader();
        if (count != 4)
        {
            throw new MessagePackException(start, $"an OrderReceipt has 4 fields, not {count}.");
        }

        return new OrderReceipt(reader.ReadInt64(), reader.ReadDouble(), reader.ReadInt32(), reader.ReadBoolean());
    }
}
