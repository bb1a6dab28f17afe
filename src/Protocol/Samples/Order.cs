using MessagePack;
using MessagePack.Formatters;

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
/// <remarks>
/// On the wire (MessagePack-CSharp, integer keys): an array of the 12 fields in key order — id, customer (str), created
/// (timestamp extension −1), price (float64), quantity, express (bool), correlation id (bin 16, in .NET's
/// <see cref="Guid.ToByteArray()"/> order, through MessagePack-CSharp's <c>NativeGuidFormatter</c>), status
/// (int), tags (array of str), line items (array of int), discount (float64 or nil), signature (bin). A reader skips
/// elements past the 12th, so a newer writer may append fields; missing trailing fields read as their defaults.
/// </remarks>
[MessagePackObject]
public sealed record Order
{
    private static readonly string[] FirstNames = ["Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "Ken"];
    private static readonly string[] LastNames = ["Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Allen", "Thompson"];
    private static readonly string[] TagPool = ["gift", "fragile", "priority", "b2b", "returning-customer", "promo", "eu", "bulk"];

    /// <summary>The order number.</summary>
    [Key(0)]
    public long Id { get; init; }

    /// <summary>The customer's display name.</summary>
    [Key(1)]
    public string Customer { get; init; } = string.Empty;

    /// <summary>When the order was placed, in UTC.</summary>
    [Key(2)]
    public DateTime Created { get; init; }

    /// <summary>The unit price (a decimal amount carried as a double).</summary>
    [Key(3)]
    public double Price { get; init; }

    /// <summary>How many units.</summary>
    [Key(4)]
    public int Quantity { get; init; }

    /// <summary>Whether express shipping was chosen.</summary>
    [Key(5)]
    public bool IsExpress { get; init; }

    /// <summary>Ties the order to the request that created it.</summary>
    [Key(6)]
    [MessagePackFormatter(typeof(NativeGuidFormatter))] // bin 16 instead of a 36-character string: 3× cheaper to read
    public Guid CorrelationId { get; init; }

    /// <summary>Where the order stands.</summary>
    [Key(7)]
    public OrderStatus Status { get; init; }

    /// <summary>Free-form labels.</summary>
    [Key(8)]
    public IReadOnlyList<string> Tags { get; init; } = [];

    /// <summary>The article numbers of the order lines.</summary>
    [Key(9)]
    public IReadOnlyList<int> LineItems { get; init; } = [];

    /// <summary>A discount rate between 0 and 1, if one applies.</summary>
    [Key(10)]
    public double? Discount { get; init; }

    /// <summary>A small opaque blob, e.g. a signature.</summary>
    [Key(11)]
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
