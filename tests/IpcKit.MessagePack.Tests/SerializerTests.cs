using IpcKit.Protocol.Samples;
using IpcKit.Transports;
using IpcKit.Transports.MessagePack;
using static IpcKit.MessagePack.Tests.Support;

namespace IpcKit.MessagePack.Tests;

/// <summary>Typed serialization through built-in and registered formatters.</summary>
public class SerializerTests
{
    private enum Small : byte
    {
        A = 1,
        B = 200,
    }

    private enum Signed : long
    {
        Low = long.MinValue,
        High = long.MaxValue,
    }

    [Fact]
    public void Primitives_round_trip_through_the_built_in_formatters()
    {
        RoundTrip(true);
        RoundTrip((sbyte)-5);
        RoundTrip((byte)200);
        RoundTrip(short.MinValue);
        RoundTrip(ushort.MaxValue);
        RoundTrip(int.MinValue);
        RoundTrip(uint.MaxValue);
        RoundTrip(long.MinValue);
        RoundTrip(ulong.MaxValue);
        RoundTrip(1.25f);
        RoundTrip(Math.E);
        RoundTrip("text \u00e9");
        RoundTrip<string?>(null);
        RoundTrip<byte[]?>(null);
        Assert.Equal(new byte[] { 1, 2, 3 }, MessagePackSerializer.Deserialize<byte[]>(MessagePackSerializer.Serialize(new byte[] { 1, 2, 3 })));
        Assert.Empty(MessagePackSerializer.Deserialize<byte[]>(MessagePackSerializer.Serialize(Array.Empty<byte>())));
    }

    [Fact]
    public void Integers_written_as_one_type_read_as_any_type_that_holds_them()
    {
        byte[] bytes = MessagePackSerializer.Serialize(200L);
        Assert.Equal((byte)200, MessagePackSerializer.Deserialize<byte>(bytes));
        Assert.Equal((short)200, MessagePackSerializer.Deserialize<short>(bytes));
        Assert.Throws<MessagePackException>(() => MessagePackSerializer.Deserialize<sbyte>(bytes));
    }

    [Fact]
    public void Guid_is_bin_16_in_the_byte_order_of_its_text()
    {
        var guid = Guid.Parse("00112233-4455-6677-8899-aabbccddeeff");
        byte[] bytes = MessagePackSerializer.Serialize(guid);
        Assert.Equal("c41000112233445566778899aabbccddeeff", Convert.ToHexStringLower(bytes));
        Assert.Equal(guid, MessagePackSerializer.Deserialize<Guid>(bytes));
        Assert.Equal(guid, MessagePackSerializer.Deserialize<Guid>(Segmented(bytes, 3)));
    }

    [Fact]
    public void Enums_are_their_underlying_integers_and_undefined_values_pass_through()
    {
        Assert.Equal("ccc8", Convert.ToHexStringLower(MessagePackSerializer.Serialize(Small.B)));
        Assert.Equal(Small.B, MessagePackSerializer.Deserialize<Small>(FromHex("ccc8")));
        Assert.Equal((Small)7, MessagePackSerializer.Deserialize<Small>(FromHex("07")));
        Assert.Throws<MessagePackException>(() => MessagePackSerializer.Deserialize<Small>(FromHex("cd0100")));
        RoundTrip(Signed.Low);
        RoundTrip(Signed.High);
        RoundTrip(OrderStatus.Cancelled);
        Assert.Equal("04", Convert.ToHexStringLower(MessagePackSerializer.Serialize(OrderStatus.Cancelled)));
    }

    [Fact]
    public void DateTime_and_DateTimeOffset_are_UTC_timestamps()
    {
        var local = new DateTimeOffset(2024, 5, 6, 7, 8, 9, TimeSpan.FromHours(-5)).AddTicks(1);
        DateTimeOffset read = MessagePackSerializer.Deserialize<DateTimeOffset>(MessagePackSerializer.Serialize(local));
        Assert.Equal(local, read);
        Assert.Equal(TimeSpan.Zero, read.Offset);

        DateTime utc = local.UtcDateTime;
        DateTime readUtc = MessagePackSerializer.Deserialize<DateTime>(MessagePackSerializer.Serialize(utc));
        Assert.Equal(utc, readUtc);
        Assert.Equal(DateTimeKind.Utc, readUtc.Kind);
        Assert.Equal(utc, MessagePackSerializer.Deserialize<DateTime>(MessagePackSerializer.Serialize(utc.ToLocalTime())));
        Assert.Equal(0xd7, MessagePackSerializer.Serialize(utc)[0]);
    }

    [Fact]
    public void Nullable_values_are_nil_or_the_value()
    {
        Assert.Equal("c0", Convert.ToHexStringLower(MessagePackSerializer.Serialize<int?>(null)));
        Assert.Equal("05", Convert.ToHexStringLower(MessagePackSerializer.Serialize<int?>(5)));
        Assert.Null(MessagePackSerializer.Deserialize<int?>(FromHex("c0")));
        Assert.Equal(5, MessagePackSerializer.Deserialize<int?>(FromHex("05")));
        Assert.Null(MessagePackSerializer.Deserialize<Guid?>(FromHex("c0")));
    }

    [Fact]
    public void Arrays_lists_and_dictionaries_round_trip_and_null_is_nil()
    {
        int[] ints = Enumerable.Range(-100, 300).ToArray();
        Assert.Equal(ints, MessagePackSerializer.Deserialize<int[]>(MessagePackSerializer.Serialize(ints)));
        List<string?> strings = ["a", null, "c"];
        Assert.Equal(strings, MessagePackSerializer.Deserialize<List<string?>>(MessagePackSerializer.Serialize(strings)));
        var map = new Dictionary<string, List<double>> { ["x"] = [1.5, 2.5], ["y"] = [] };
        Dictionary<string, List<double>> readMap = MessagePackSerializer.Deserialize<Dictionary<string, List<double>>>(MessagePackSerializer.Serialize(map))!;
        Assert.Equal(map.Keys, readMap.Keys);
        Assert.Equal(map["x"], readMap["x"]);
        Assert.Equal("c0", Convert.ToHexStringLower(MessagePackSerializer.Serialize<int[]?>(null)));
        Assert.Null(MessagePackSerializer.Deserialize<List<int>?>(FromHex("c0")));
        Assert.Null(MessagePackSerializer.Deserialize<Dictionary<int, int>?>(FromHex("c0")));
        Assert.Equal("9f", Convert.ToHexStringLower(MessagePackSerializer.Serialize(new int[15]))[..2]);
        Assert.Equal("dc0010", Convert.ToHexStringLower(MessagePackSerializer.Serialize(new int[16]))[..6]);
    }

    [Fact]
    public void A_type_without_a_formatter_is_a_clear_error_until_registered()
    {
        InvalidOperationException ex = Assert.Throws<InvalidOperationException>(() => MessagePackSerializer.Serialize(new Point(1, 2)));
        Assert.Contains("WithFormatter", ex.Message, StringComparison.Ordinal);

        MessagePackSerializerOptions options = MessagePackSerializerOptions.Default.WithFormatter(new PointFormatter());
        Assert.NotSame(MessagePackSerializerOptions.Default, options);
        Assert.Throws<InvalidOperationException>(() => MessagePackSerializerOptions.Default.GetFormatter<Point>());
        byte[] bytes = MessagePackSerializer.Serialize(new Point(1, -2), options);
        Assert.Equal("9201fe", Convert.ToHexStringLower(bytes));
        Assert.Equal(new Point(1, -2), MessagePackSerializer.Deserialize<Point>(bytes, options));
        Point[] points = [new(1, 2), new(3, 4)];
        Assert.Equal(points, MessagePackSerializer.Deserialize<Point[]>(MessagePackSerializer.Serialize(points, options), options));
    }

    [Fact]
    public void A_registered_formatter_replaces_a_built_in_one_only_in_its_options()
    {
        MessagePackSerializerOptions options = MessagePackSerializerOptions.Default.WithFormatter<int>(new ConstantFormatter());
        Assert.Equal("2a", Convert.ToHexStringLower(MessagePackSerializer.Serialize(7, options)));
        Assert.Equal("922a2a", Convert.ToHexStringLower(MessagePackSerializer.Serialize(new[] { 1, 2 }, options)));
        Assert.Equal("07", Convert.ToHexStringLower(MessagePackSerializer.Serialize(7)));
        Assert.Same(options.ReaderOptions, MessagePackReaderOptions.Default);
        var limits = MessagePackReaderOptions.Default with { MaxDepth = 3 };
        Assert.Same(limits, options.WithReaderOptions(limits).ReaderOptions);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(42)]
    [InlineData(1234)]
    public void Orders_round_trip_through_the_hand_written_formatter(int seed)
    {
        Order order = Order.Sample(seed);
        byte[] bytes = MessagePackSerializer.Serialize(order, OrderFormatter.Options);
        Assert.Equal(order, MessagePackSerializer.Deserialize<Order>(bytes, OrderFormatter.Options));
        Assert.Equal(order, MessagePackSerializer.Deserialize<Order>(Segmented(bytes, 3), OrderFormatter.Options));
        Assert.Equal(Order.Sample(seed), order);
        Assert.NotEqual(Order.Sample(seed + 1), order);
    }

    [Fact]
    public void An_order_with_extra_trailing_fields_still_reads_and_one_with_too_few_does_not()
    {
        byte[] bytes = MessagePackSerializer.Serialize(Order.Sample(7), OrderFormatter.Options);
        byte[] extended = [0x9e, .. bytes[1..], 0xa1, (byte)'x', 0x91, 0x01];
        Assert.Equal(Order.Sample(7), MessagePackSerializer.Deserialize<Order>(extended, OrderFormatter.Options));
        byte[] shortened = [0x9b, .. bytes[1..]];
        MessagePackException ex = Assert.Throws<MessagePackException>(() => MessagePackSerializer.Deserialize<Order>(shortened, OrderFormatter.Options));
        Assert.Equal(0, ex.Offset);
    }

    [Fact]
    public void Every_truncation_of_valid_messages_is_rejected_as_MessagePack_errors()
    {
        byte[] order = MessagePackSerializer.Serialize(Order.Sample(5), OrderFormatter.Options);
        byte[] mixed = MessagePackSerializer.Serialize(new Dictionary<string, List<double>> { ["\u00e9t\u00e9"] = [1.5, -2], ["b"] = [] });
        byte[] everything = Write((ref MessagePackWriter w) =>
        {
            w.WriteArrayHeader(8);
            w.Write(ulong.MaxValue);
            w.Write(-70000);
            w.Write(new string('z', 40));
            w.WriteBinary(new byte[300]);
            w.WriteExtension(9, new byte[17]);
            w.WriteTimestamp(-1, 5);
            w.Write(0.1f);
            w.WriteMapHeader(1);
            w.WriteNil();
            w.Write(true);
        });

        foreach (byte[] message in new[] { order, mixed, everything })
        {
            for (int length = 0; length < message.Length; length++)
            {
                byte[] prefix = message[..length];
                MessagePackException skipError = Assert.Throws<MessagePackException>(() =>
                {
                    var reader = new MessagePackReader(prefix);
                    reader.Skip();
                });
                Assert.InRange(skipError.Offset, 0, length);
                Assert.Throws<MessagePackException>(() =>
                {
                    var reader = new MessagePackReader(Segmented(prefix));
                    reader.Skip();
                });
            }
        }

        for (int length = 0; length < order.Length; length++)
        {
            MessagePackException ex = Assert.Throws<MessagePackException>(() => MessagePackSerializer.Deserialize<Order>(order.AsMemory(0, length), OrderFormatter.Options));
            Assert.InRange(ex.Offset, 0, length);
            Assert.Throws<MessagePackException>(() => MessagePackSerializer.Deserialize<Order>(Segmented(order[..length], 2), OrderFormatter.Options));
        }

        for (int length = 0; length < mixed.Length; length++)
        {
            Assert.Throws<MessagePackException>(() => MessagePackSerializer.Deserialize<Dictionary<string, List<double>>>(mixed.AsMemory(0, length)));
        }
    }

    [Fact]
    public void Random_corruptions_of_an_order_fail_only_with_MessagePack_errors()
    {
        byte[] original = MessagePackSerializer.Serialize(Order.Sample(11), OrderFormatter.Options);
        var random = new Random(12345);
        int rejected = 0;
        for (int round = 0; round < 20_000; round++)
        {
            byte[] corrupt = (byte[])original.Clone();
            int flips = 1 + random.Next(3);
            for (int i = 0; i < flips; i++)
            {
                corrupt[random.Next(corrupt.Length)] = (byte)random.Next(256);
            }

            try
            {
                _ = MessagePackSerializer.Deserialize<Order>(corrupt, OrderFormatter.Options);
                var reader = new MessagePackReader(corrupt);
                reader.Skip();
            }
            catch (MessagePackException ex)
            {
                Assert.InRange(ex.Offset, 0, corrupt.Length);
                rejected++;
            }
        }

        Assert.InRange(rejected, 1000, 20_000);
    }

    [Fact]
    public void Random_bytes_fail_only_with_MessagePack_errors()
    {
        var random = new Random(777);
        for (int round = 0; round < 20_000; round++)
        {
            byte[] noise = new byte[random.Next(1, 40)];
            random.NextBytes(noise);
            try
            {
                var reader = new MessagePackReader(noise);
                while (!reader.End)
                {
                    reader.Skip();
                }
            }
            catch (MessagePackException ex)
            {
                Assert.InRange(ex.Offset, 0, noise.Length);
            }
        }
    }

    [Fact]
    public void MessagePackException_is_a_protocol_violation()
    {
        MessagePackException ex = Assert.Throws<MessagePackException>(() => MessagePackSerializer.Deserialize<int>(FromHex("c1")));
        Assert.IsAssignableFrom<ProtocolViolationException>(ex);
        Assert.IsAssignableFrom<IpcException>(ex);
    }

    private static void RoundTrip<T>(T value) =>
        Assert.Equal(value, MessagePackSerializer.Deserialize<T>(MessagePackSerializer.Serialize(value)));

    private readonly record struct Point(int X, int Y);

    private sealed class PointFormatter : IMessagePackFormatter<Point>
    {
        public void Serialize(ref MessagePackWriter writer, Point value, MessagePackSerializerOptions options)
        {
            writer.WriteArrayHeader(2);
            writer.Write(value.X);
            writer.Write(value.Y);
        }

        public Point Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
        {
            long start = reader.Consumed;
            if (reader.ReadArrayHeader() != 2)
            {
                throw new MessagePackException(start, "a Point is an array of 2 integers.");
            }

            return new Point(reader.ReadInt32(), reader.ReadInt32());
        }
    }

    private sealed class ConstantFormatter : IMessagePackFormatter<int>
    {
        public void Serialize(ref MessagePackWriter writer, int value, MessagePackSerializerOptions options) => writer.Write(42);

        public int Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options) => reader.ReadInt32();
    }
}
