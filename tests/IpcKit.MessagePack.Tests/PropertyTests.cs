using CsCheck;
using IpcKit.Protocol;
using IpcKit.Protocol.Samples;
using IpcKit.Transports.MessagePack;
using static IpcKit.MessagePack.Tests.Support;

namespace IpcKit.MessagePack.Tests;

/// <summary>
/// Property-based round trips (CsCheck): for generated values, what IpcKit sends reads back equal, as one whole frame.
/// CsCheck shrinks a failing value to a small one and prints the seed to replay it.
/// </summary>
public class PropertyTests
{
    /// <summary>Any text, astral planes included; lone surrogates are left out because UTF-8 cannot carry them.</summary>
    private static readonly Gen<string> Text = Gen.Int[0, 0x10FFFF]
        .Select(cp => cp is >= 0xD800 and <= 0xDFFF ? cp - 0x800 : cp)
        .Array[0, 24]
        .Select(cps => string.Concat(cps.Select(char.ConvertFromUtf32)));

    private static readonly Gen<Order> Orders = Gen.Select(
            Gen.Select(Gen.Long, Text, Gen.DateTime.Utc, Gen.Double, Gen.Int, Gen.Bool, Gen.Guid, Gen.Enum<OrderStatus>()),
            Text.Array[0, 6], Gen.Int.Array[0, 20], Gen.Double.Nullable(), Gen.Byte.Array[0, 64])
        .Select(t => new Order
        {
            Id = t.Item1.Item1,
            Customer = t.Item1.Item2,
            Created = t.Item1.Item3,
            Price = t.Item1.Item4,
            Quantity = t.Item1.Item5,
            IsExpress = t.Item1.Item6,
            CorrelationId = t.Item1.Item7,
            Status = t.Item1.Item8,
            Tags = t.Item2,
            LineItems = t.Item3,
            Discount = t.Item4,
            Signature = t.Item5,
        });

    [Fact]
    public void Generated_orders_round_trip()
    {
        Orders.Sample(order => Assert.Equal(order, MessagePackFrames.Read<Order>(Encode(order))), iter: 2_000);
    }

    [Fact]
    public void Generated_receipts_and_control_messages_round_trip()
    {
        Gen.Select(Gen.Long, Gen.Double, Gen.Int, Gen.Bool)
            .Select(t => new OrderReceipt(t.Item1, t.Item2, t.Item3, t.Item4))
            .Sample(receipt => Assert.Equal(receipt, MessagePackFrames.Read<OrderReceipt>(Encode(receipt))), iter: 2_000);

        Gen.Select(Gen.Enum<WorkerRole>(), Text, Gen.Int, Gen.Long, Gen.Int)
            .Select(t => (ControlMessage)new ConfigureMessage(t.Item1, t.Item2, t.Item3, t.Item4, t.Item5))
            .Sample(message => Assert.Equal(message, ControlMessage.Read(Encode(message, ControlMessage.Options))), iter: 1_000);
    }

    [Fact]
    public void Generated_nested_collections_round_trip()
    {
        Gen.Dictionary(Text, Gen.Long.Nullable().List[0, 8])[0, 8]
            .Sample(value =>
            {
                Dictionary<string, List<long?>> read = MessagePackFrames.Read<Dictionary<string, List<long?>>>(Encode(value));
                Assert.Equal(value.Count, read.Count);
                foreach ((string key, List<long?> list) in value)
                {
                    Assert.Equal(list, read[key]);
                }
            }, iter: 1_000);
    }

    [Fact]
    public void A_generated_order_cut_anywhere_is_rejected()
    {
        Gen.Select(Orders, Gen.Double[0, 1]).Sample((order, where) =>
        {
            byte[] frame = Encode(order);
            AssertRejected<Order>(frame[..(int)(where * (frame.Length - 1))]);
        }, iter: 500);
    }
}
