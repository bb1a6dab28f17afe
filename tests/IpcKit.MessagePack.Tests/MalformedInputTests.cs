using IpcKit.Protocol.Samples;
using IpcKit.Transports;
using IpcKit.Transports.MessagePack;
using MessagePack;
using static IpcKit.MessagePack.Tests.Support;

namespace IpcKit.MessagePack.Tests;

/// <summary>
/// Hostile or broken input read through IpcKit's typed path (<see cref="MessagePackFrames.Read{T}"/>, which every receive
/// uses) ends in a <see cref="ProtocolViolationException"/> that says what was expected — never in a crash, a huge
/// allocation or a stack overflow.
/// </summary>
public class MalformedInputTests
{
    [Fact]
    public void The_never_used_byte_0xc1_is_rejected_wherever_it_appears()
    {
        ProtocolViolationException ex = AssertRejected<int>("c1");
        Assert.IsType<MessagePackSerializationException>(ex.InnerException);
        Assert.Contains("Int32", ex.Message, StringComparison.Ordinal);
        AssertRejected<string>("c1");
        AssertRejected<int[]>("9201c1");
        AssertRejected<Dictionary<string, int>>("81a16bc1");
        AssertRejected<object>("9201c1");
    }

    [Fact]
    public void A_str32_declaring_2_GiB_in_a_10_byte_buffer_is_rejected_before_allocating()
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        AssertRejected<string>("db7fffffff6162636465");
        AssertRejected<byte[]>("c67fffffff6162636465");
        Assert.InRange(GC.GetAllocatedBytesForCurrentThread() - before, 0, 1 << 20);
    }

    [Fact]
    public void An_array32_declaring_2_billion_elements_in_a_small_buffer_is_rejected_before_allocating()
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        AssertRejected<long[]>("dd7fffffff01020304");
        AssertRejected<List<string>>("dd7fffffff00");
        AssertRejected<Dictionary<int, int>>("df7fffffff0102");
        AssertRejected<Order>("dd7fffffff01020304");
        Assert.InRange(GC.GetAllocatedBytesForCurrentThread() - before, 0, 1 << 20);
    }

    [Theory]
    [InlineData("c405010203")] // bin8 declares 5, 3 follow
    [InlineData("c50100")] // bin16 declares 256, none follow
    [InlineData("d90a616263")] // str8 declares 10
    [InlineData("a5616263")] // fixstr declares 5
    [InlineData("c70a05010203")] // ext8 declares 10
    [InlineData("d80501020304")] // fixext16 with 4 bytes
    [InlineData("930102")] // fixarray of 3 with 2
    [InlineData("dc00030102")] // array16 of 3 with 2
    [InlineData("82a16101a162")] // a map of 2 with one and a half entries
    [InlineData("cd01")] // uint16 cut
    [InlineData("cb3ff0")] // float64 cut
    public void Declared_lengths_longer_than_the_input_are_rejected(string hex) => AssertRejected<object>(hex);

    [Fact]
    public void A_hundred_thousand_nested_arrays_are_rejected_by_depth_without_stack_overflow()
    {
        byte[] bytes = [.. Enumerable.Repeat((byte)0x91, 100_000), 0xc0];
        ProtocolViolationException ex = AssertRejected<object>(bytes);
        Assert.Contains("depth", ex.Message, StringComparison.OrdinalIgnoreCase);
        AssertRejected<int[][][]>(bytes);
    }

    [Fact]
    public void Nesting_up_to_the_untrusted_data_depth_is_accepted_and_one_more_is_not()
    {
        int limit = MessagePackFrames.DefaultOptions.Security.MaximumObjectGraphDepth;
        var shallow = MessagePackFrames.DefaultOptions.WithSecurity(MessagePackSecurity.UntrustedData.WithMaximumObjectGraphDepth(2));
        Assert.NotNull(MessagePackFrames.Read<object>(FromHex("919101"), shallow));
        AssertRejected<object>("91919101", shallow);

        byte[] deepest = [.. Enumerable.Repeat((byte)0x91, limit), 0xc0];
        Assert.NotNull(MessagePackFrames.Read<object>(deepest));
        AssertRejected<object>([0x91, .. deepest]);
    }

    [Fact]
    public void Trailing_bytes_after_the_value_are_rejected_with_how_many()
    {
        ProtocolViolationException ex = AssertRejected<int>("0101");
        Assert.Contains("1 byte(s) follow the Int32 value", ex.Message, StringComparison.Ordinal);
        byte[] order = Encode(Order.Sample(4));
        ex = AssertRejected<Order>([.. order, 0xc0, 0xc0]);
        Assert.Contains("2 byte(s) follow", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Wrong_types_and_empty_input_are_rejected_as_protocol_violations()
    {
        AssertRejected<int>("a161");
        AssertRejected<string>("01");
        AssertRejected<Order>("a161");
        AssertRejected<Guid>("c40f" + new string('0', 30));
        AssertRejected<DateTime>("d6ff");
        AssertRejected<string>([]);
        AssertRejected<Order>([]);
    }

    [Fact]
    public void A_type_with_no_formatter_is_a_programming_error_not_bad_input()
    {
        Assert.Throws<MessagePackSerializationException>(() => MessagePackFrames.Read<NotSerializable>(FromHex("90")));
    }

    [Fact]
    public void Every_truncation_of_valid_messages_is_rejected()
    {
        byte[] order = Encode(Order.Sample(5));
        byte[] receipt = Encode(OrderReceipt.For(Order.Sample(5)));
        byte[] mixed = Encode(new Dictionary<string, List<double>> { ["\u00e9t\u00e9"] = [1.5, -2], ["b"] = [] });
        for (int length = 0; length < order.Length; length++)
        {
            AssertRejected<Order>(order[..length]);
        }

        for (int length = 0; length < receipt.Length; length++)
        {
            AssertRejected<OrderReceipt>(receipt[..length]);
        }

        for (int length = 0; length < mixed.Length; length++)
        {
            AssertRejected<Dictionary<string, List<double>>>(mixed[..length]);
        }
    }

    [Fact]
    public void Random_corruptions_of_an_order_fail_only_as_protocol_violations()
    {
        byte[] original = Encode(Order.Sample(11));
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
                _ = MessagePackFrames.Read<Order?>(corrupt);
            }
            catch (ProtocolViolationException)
            {
                rejected++;
            }
        }

        Assert.InRange(rejected, 1000, 20_000);
    }

    [Fact]
    public void Random_bytes_fail_only_as_protocol_violations()
    {
        var random = new Random(777);
        for (int round = 0; round < 20_000; round++)
        {
            byte[] noise = new byte[random.Next(1, 40)];
            random.NextBytes(noise);
            try
            {
                _ = MessagePackFrames.Read<object?>(noise);
            }
            catch (ProtocolViolationException)
            {
            }
        }
    }

    /// <summary>A type MessagePack-CSharp cannot serialize: not attributed, not contractless.</summary>
    public sealed class NotSerializable
    {
        public int Value { get; set; }
    }
}
