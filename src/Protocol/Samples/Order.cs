using System.Buffers;
using IpcKit.Transports.MessagePack;

namespace IpcKit.Protocol.Samples;

/// <summary>Where an <see cref="Order"/> stands.</summary>
public enum OrderStatus
{
    /// <summary>Placed, not paid yet.</summary>
    Pending = 0,

    /// <summary>Paid, not shipped yet.</summary>
    Paid = 1,

    /// <summary>Handed to the carrier.</summary>
    Shipped = 2,

    /// <summary>Received by the customer.</summary>
    Delivered = 3,

    /// <summary>Cancelled before delivery.</summary>
    Cancelled = 4,
}

/// <summary>
/// A realistic mid-sized message for benchmarks and tests: a dozen fields of mixed types, about 200 bytes as MessagePack.
/// Equality compares the collections element by element.
/// </summary>
public sealed record Order
{
    private static readonly string[] FirstNames = ["Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "Ken"];
    private static readonly string[] LastNames = ["Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Allen", "Thompson"];
    private static readonly string[] TagPool = ["gift", "fragile", "priority", "b2b", "returning-customer", "promo", "eu", "bulk"];

    /// <summary>The order number.</summary>
    public long Id { get; init; }

    /// <summary>The customer's display name.</summary>
    public string Customer { get; init; } = string.Empty;

    /// <summary>When the order was placed, in UTC.</summary>
    public DateTime Created { get; init; }

    /// <summary>The unit price (a decimal amount carried as a double).</summary>
    public double Price { get; init; }

    /// <summary>How many units.</summary>
    public int Quantity { get; init; }

    /// <summary>Whether express shipping was chosen.</summary>
    public bool IsExpress { get; init; }

    /// <summary>Ties the order to the request that created it.</summary>
    public Guid CorrelationId { get; init; }

    /// <summary>Where the order stands.</summary>
    public OrderStatus Status { get; init; }

    /// <summary>Free-form labels.</summary>
    public IReadOnlyList<string> Tags { get; init; } = [];

    /// <summary>The article numbers of the order lines.</summary>
    public IReadOnlyList<int> LineItems { get; init; } = [];

    /// <summary>A discount rate between 0 and 1, if one applies.</summary>
    public double? Discount { get; init; }

    /// <summary>A small opaque blob, e.g. a signature.</summary>
    public ReadOnlyMemory<byte> Signature { get; init; }

    /// <summary>A deterministic, realistic order: the same <paramref name="seed"/> always gives an equal order.</summary>
    /// <param name="seed">Any non-negative number.</param>
    public static Order Sample(int seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(seed);
        int tagCount = 1 + (seed % 3);
        var tags = new string[tagCount];
        for (int i = 0; i < tagCount; i++)
        {
            tags[i] = TagPool[(seed + (i * 3)) % TagPool.Length];
        }

        int lineCount = 1 + (seed % 4);
        var lines = new int[lineCount];
        for (int i = 0; i < lineCount; i++)
        {
            lines[i] = 10_000 + (((seed * 31) + (i * 977)) % 90_000);
        }

        var signature = new byte[24];
        uint state = (uint)seed * 2_654_435_761u + 1;
        for (int i = 0; i < signature.Length; i++)
        {
            state = (state * 1_103_515_245u) + 12_345u;
            signature[i] = (byte)(state >> 24);
        }

        Span<byte> guid = stackalloc byte[16];
        signature.AsSpan(0, 16).CopyTo(guid);
        return new Order
        {
            Id = 1_000_000L + (seed * 7_919L),
            Customer = $"{FirstNames[seed % FirstNames.Length]} {LastNames[(seed / FirstNames.Length) % LastNames.Length]}",
            Created = new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddSeconds(seed * 3_607L).AddTicks((seed * 1_234_567L) % TimeSpan.TicksPerSecond),
            Price = Math.Round(9.99 + ((seed % 500) * 1.37), 2),
            Quantity = 1 + (seed % 12),
            IsExpress = seed % 3 == 0,
            CorrelationId = new Guid(guid, bigEndian: true),
            Status = (OrderStatus)(seed % 5),
            Tags = tags,
            LineItems = lines,
            Discount = seed % 2 == 0 ? 0.05 * (seed % 4) : null,
            Signature = signature,
        };
    }

    /// <summary>True when every field is equal, comparing tags, line items and signature element by element.</summary>
    public bool Equals(Order? other) =>
        other is not null
        && Id == other.Id
        && Customer == other.Customer
        && Created == other.Created
        && Created.Kind == other.Created.Kind
        && Price.Equals(other.Price)
        && Quantity == other.Quantity
        && IsExpress == other.IsExpress
        && CorrelationId == other.CorrelationId
        && Status == other.Status
        && Tags.SequenceEqual(other.Tags)
        && LineItems.SequenceEqual(other.LineItems)
        && Discount.Equals(other.Discount)
        && Signature.Span.SequenceEqual(other.Signature.Span);

    /// <summary>A hash of the scalar fields, consistent with <see cref="Equals(Order?)"/>.</summary>
    public override int GetHashCode() => HashCode.Combine(Id, Customer, Created, Price, Quantity, CorrelationId, Status);
}

/// <summary>
/// Writes an <see cref="Order"/> as a MessagePack array of its 12 fields, by index, in declaration order:
/// id, customer, created (timestamp), price (float64), quantity, express, correlation id (bin 16), status (int), tags
/// (array of str), line items (array of int), discount (float64 or nil), signature (bin). A null order is nil.
/// </summary>
/// <remarks>
/// Versioning: a reader accepts arrays with more than 12 elements and skips the extra ones, so a newer writer may
/// append fields; fewer than 12 is an error. Register it with
/// <c>MessagePackSerializerOptions.Default.WithFormatter(OrderFormatter.Instance)</c>.
/// </remarks>
public sealed class OrderFormatter : IMessagePackFormatter<Order?>
{
    /// <summary>How many fields an order has on the wire.</summary>
    public const int FieldCount = 12;

    /// <summary>The one instance; the formatter is stateless.</summary>
    public static OrderFormatter Instance { get; } = new();

    /// <summary>Options with the built-in formatters and this one.</summary>
    public static MessagePackSerializerOptions Options { get; } = MessagePackSerializerOptions.Default.WithFormatter(Instance);

    /// <inheritdoc/>
    public void Serialize(ref MessagePackWriter writer, Order? value, MessagePackSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (value is null)
        {
            writer.WriteNil();
            return;
        }

        writer.WriteArrayHeader(FieldCount);
        writer.Write(value.Id);
        writer.Write(value.Customer);
        writer.WriteTimestamp(value.Created);
        writer.Write(value.Price);
        writer.Write(value.Quantity);
        writer.Write(value.IsExpress);
        options.GetFormatter<Guid>().Serialize(ref writer, value.CorrelationId, options);
        writer.Write((int)value.Status);

        // Indexing rather than foreach: enumerating through the interface would allocate an enumerator.
        IReadOnlyList<string> tags = value.Tags;
        writer.WriteArrayHeader(tags.Count);
        for (int i = 0; i < tags.Count; i++)
        {
            writer.Write(tags[i]);
        }

        IReadOnlyList<int> lines = value.LineItems;
        writer.WriteArrayHeader(lines.Count);
        for (int i = 0; i < lines.Count; i++)
        {
            writer.Write(lines[i]);
        }

        if (value.Discount is { } discount)
        {
            writer.Write(discount);
        }
        else
        {
            writer.WriteNil();
        }

        writer.WriteBinary(value.Signature.Span);
    }

    /// <inheritdoc/>
    public Order? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (reader.TryReadNil())
        {
            return null;
        }

        long start = reader.Consumed;
        int count = reader.ReadArrayHeader();
        if (count < FieldCount)
        {
            throw new MessagePackException(start, $"an Order needs {FieldCount} fields but the array holds {count}.");
        }

        reader.IncrementDepth();
        long id = reader.ReadInt64();
        long customerOffset = reader.Consumed;
        string customer = reader.ReadString() ?? throw new MessagePackException(customerOffset, "an Order's customer is nil.");
        DateTime created = reader.ReadTimestamp();
        double price = reader.ReadDouble();
        int quantity = reader.ReadInt32();
        bool isExpress = reader.ReadBoolean();
        Guid correlationId = options.GetFormatter<Guid>().Deserialize(ref reader, options);
        var status = (OrderStatus)reader.ReadInt32();

        int tagCount = reader.ReadArrayHeader();
        reader.IncrementDepth();
        string[] tags = tagCount == 0 ? [] : new string[tagCount];
        for (int i = 0; i < tags.Length; i++)
        {
            long tagOffset = reader.Consumed;
            tags[i] = reader.ReadString() ?? throw new MessagePackException(tagOffset, "an Order's tag is nil.");
        }

        reader.DecrementDepth();
        int lineCount = reader.ReadArrayHeader();
        reader.IncrementDepth();
        int[] lines = lineCount == 0 ? [] : new int[lineCount];
        for (int i = 0; i < lines.Length; i++)
        {
            lines[i] = reader.ReadInt32();
        }

        reader.DecrementDepth();
        double? discount = reader.TryReadNil() ? null : reader.ReadDouble();
        long signatureOffset = reader.Consumed;
        byte[] signature = reader.TryReadBinarySpan(out ReadOnlySpan<byte> contiguous)
            ? contiguous.ToArray()
            : reader.ReadBytes()?.ToArray() ?? throw new MessagePackException(signatureOffset, "an Order's signature is nil.");

        for (int i = FieldCount; i < count; i++)
        {
            reader.Skip();
        }

        reader.DecrementDepth();
        return new Order
        {
            Id = id,
            Customer = customer,
            Created = created,
            Price = price,
            Quantity = quantity,
            IsExpress = isExpress,
            CorrelationId = correlationId,
            Status = status,
            Tags = tags,
            LineItems = lines,
            Discount = discount,
            Signature = signature,
        };
    }
}
