using IpcKit.Transports.MessagePack;
using static IpcKit.MessagePack.Tests.Support;

namespace IpcKit.MessagePack.Tests;

/// <summary>Hostile or broken input ends in a <see cref="MessagePackException"/> that says where — never in a crash.</summary>
public class MalformedInputTests
{
    [Fact]
    public void The_never_used_byte_0xc1_is_rejected_wherever_it_appears()
    {
        MessagePackException ex = AssertRejected("c1", (ref MessagePackReader r) => r.ReadInt32());
        Assert.Equal(0, ex.Offset);
        Assert.Contains("0xc1", ex.Message, StringComparison.Ordinal);
        Assert.Equal(MessagePackType.Unknown, new MessagePackReader(FromHex("c1")).NextType);

        ex = AssertRejected("9201c1", (ref MessagePackReader r) => { r.Skip(); return null; });
        Assert.Equal(2, ex.Offset);
        AssertRejected("c1", (ref MessagePackReader r) => r.ReadString());
        AssertRejected("c1", (ref MessagePackReader r) => r.ReadBytes());
        AssertRejected("c1", (ref MessagePackReader r) => r.ReadArrayHeader());
        AssertRejected("c1", (ref MessagePackReader r) => r.ReadDouble());
        AssertRejected("c1", (ref MessagePackReader r) => { r.ReadNil(); return null; });
        AssertRejected("81a16bc1", (ref MessagePackReader r) => MessagePackSerializer.Deserialize<Dictionary<string, int>>(FromHex("81a16bc1")));
    }

    [Theory]
    [InlineData("a2c0af", 1)] // overlong '/'
    [InlineData("a3e080af", 1)] // overlong, 3 bytes
    [InlineData("a4f0808080", 1)] // overlong, 4 bytes
    [InlineData("a3eda080", 1)] // U+D800, a lone high surrogate
    [InlineData("a3edbfbf", 1)] // U+DFFF, a lone low surrogate
    [InlineData("a6eda0bdedb2a9", 1)] // a surrogate pair encoded as two 3-byte sequences (CESU-8)
    [InlineData("a4f4908080", 1)] // above U+10FFFF
    [InlineData("a161ff", 2)] // 0xff never appears in UTF-8
    [InlineData("a180", 1)] // a lone continuation byte
    [InlineData("a2e282", 1)] // a cut 3-byte sequence
    [InlineData("a3616263e2", 4)] // cut at the end (the length covers it)
    [InlineData("a3c32861", 1)] // a lead byte without its continuation
    public void Invalid_UTF8_is_rejected_with_the_offset_of_the_bad_bytes(string hexWithoutLengthFix, int minimumOffset)
    {
        byte[] bytes = FromHex(hexWithoutLengthFix);
        bytes[0] = (byte)(0xa0 | (bytes.Length - 1)); // fixstr covering the rest
        MessagePackException ex = AssertRejected(bytes, (ref MessagePackReader r) => r.ReadString());
        Assert.InRange(ex.Offset, minimumOffset, bytes.Length - 1);
        Assert.Contains("UTF-8", ex.Message, StringComparison.Ordinal);

        AssertRejected(Segmented(bytes).ToArray(), (ref MessagePackReader r) => r.ReadStringSequence());
        Assert.Throws<MessagePackException>(() =>
        {
            var segmented = new MessagePackReader(Segmented(bytes));
            _ = segmented.ReadString();
        });
        Assert.Throws<MessagePackException>(() =>
        {
            var reader = new MessagePackReader(bytes);
            _ = reader.TryReadStringSpan(out _);
        });
    }

    [Fact]
    public void A_str32_declaring_4_GiB_in_a_10_byte_buffer_is_rejected_before_allocating()
    {
        byte[] bytes = FromHex("dbffffffff6162636465");
        MessagePackException ex = AssertRejected(bytes, (ref MessagePackReader r) => r.ReadString());
        Assert.Equal(0, ex.Offset);
        Assert.Contains("MaxStringLength", ex.Message, StringComparison.Ordinal);

        // With the limit at its maximum, the declared length (2 GiB - 1 here) is still checked against what remains.
        var unlimited = MessagePackReaderOptions.Default with { MaxStringLength = int.MaxValue };
        Assert.Contains("MaxStringLength", AssertRejected(bytes, (ref MessagePackReader r) => r.ReadString(), unlimited).Message, StringComparison.Ordinal);
        bytes = FromHex("db7fffffff6162636465");
        ex = AssertRejected(bytes, (ref MessagePackReader r) => r.ReadString(), unlimited);
        Assert.Equal(0, ex.Offset);
        Assert.Contains("only 5 remain", ex.Message, StringComparison.Ordinal);
        AssertRejected(bytes, (ref MessagePackReader r) => { r.Skip(); return null; }, unlimited);
    }

    [Fact]
    public void An_array32_declaring_4_billion_elements_in_a_small_buffer_is_rejected_before_allocating()
    {
        byte[] bytes = FromHex("ddffffffff01020304");
        MessagePackException ex = AssertRejected(bytes, (ref MessagePackReader r) => r.ReadArrayHeader());
        Assert.Equal(0, ex.Offset);
        Assert.Contains("MaxCollectionLength", ex.Message, StringComparison.Ordinal);

        var unlimited = MessagePackReaderOptions.Default with { MaxCollectionLength = int.MaxValue };
        ex = AssertRejected("dd7fffffff01020304", (ref MessagePackReader r) => r.ReadArrayHeader(), unlimited);
        Assert.Contains("need at least", ex.Message, StringComparison.Ordinal);
        Assert.Throws<MessagePackException>(() => MessagePackSerializer.Deserialize<long[]>(bytes, MessagePackSerializerOptions.Default.WithReaderOptions(unlimited)));
        Assert.Throws<MessagePackException>(() => MessagePackSerializer.Deserialize<List<string>>(FromHex("dd7fffffff00"), MessagePackSerializerOptions.Default.WithReaderOptions(unlimited)));
    }

    [Fact]
    public void A_map_needs_two_bytes_per_entry_and_an_odd_number_of_pieces_is_truncated()
    {
        MessagePackException ex = AssertRejected("830102030405", (ref MessagePackReader r) => r.ReadMapHeader());
        Assert.Equal(0, ex.Offset);
        ex = Assert.Throws<MessagePackException>(() => MessagePackSerializer.Deserialize<Dictionary<string, int>>(FromHex("82a16101a162")));
        Assert.Equal(6, ex.Offset);
        ex = Assert.Throws<MessagePackException>(() => MessagePackSerializer.Deserialize<Dictionary<int, int>>(FromHex("82010203")));
        Assert.InRange(ex.Offset, 0, 4);
        AssertRejected("82010203", (ref MessagePackReader r) => { r.Skip(); return null; });
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
    [InlineData("cd01")] // uint16 cut
    [InlineData("cb3ff0")] // float64 cut
    public void Declared_lengths_longer_than_the_input_are_rejected(string hex)
    {
        byte[] bytes = FromHex(hex);
        MessagePackException ex = AssertRejected(bytes, (ref MessagePackReader r) => { r.Skip(); return null; });
        Assert.InRange(ex.Offset, 0, bytes.Length);
        Assert.Throws<MessagePackException>(() =>
        {
            var segmented = new MessagePackReader(Segmented(bytes));
            segmented.Skip();
        });
    }

    [Fact]
    public void A_hundred_thousand_nested_arrays_are_rejected_by_depth_without_stack_overflow()
    {
        byte[] bytes = Enumerable.Repeat((byte)0x91, 100_000).Append((byte)0xc0).ToArray();
        MessagePackException ex = AssertRejected(bytes, (ref MessagePackReader r) => { r.Skip(); return null; });
        Assert.Equal(64, ex.Offset); // the 65th array
        Assert.Contains("MaxDepth", ex.Message, StringComparison.Ordinal);

        Assert.Throws<MessagePackException>(() => MessagePackSerializer.Deserialize<Nested>(bytes, Nested.Options));
        Assert.Throws<MessagePackException>(() => MessagePackSerializer.Deserialize<Nested>(bytes.AsMemory(0, bytes.Length - 1), Nested.Options));

        // Skip is iterative: with the limit lifted, it walks all 100,000 levels.
        var deep = MessagePackReaderOptions.Default with { MaxDepth = int.MaxValue };
        var reader = new MessagePackReader(bytes, deep);
        reader.Skip();
        Assert.True(reader.End);
        AssertRejected(bytes[..^1], (ref MessagePackReader r) => { r.Skip(); return null; }, deep);
    }

    [Fact]
    public void Nesting_up_to_MaxDepth_is_accepted()
    {
        byte[] bytes = Enumerable.Repeat((byte)0x91, 64).Append((byte)0xc0).ToArray();
        Nested? value = MessagePackSerializer.Deserialize<Nested>(bytes, Nested.Options);
        int depth = 0;
        for (Nested? n = value; n is not null; n = n.Child)
        {
            depth++;
        }

        Assert.Equal(64, depth);
        var reader = new MessagePackReader(bytes);
        reader.Skip();
        Assert.True(reader.End);

        var shallow = MessagePackSerializerOptions.Default.WithReaderOptions(MessagePackReaderOptions.Default with { MaxDepth = 2 });
        Assert.Equal([[1]], MessagePackSerializer.Deserialize<int[][]>(FromHex("919101"), shallow));
        Assert.Throws<MessagePackException>(() => MessagePackSerializer.Deserialize<int[][][]>(FromHex("91919101"), shallow));
    }

    [Fact]
    public void Trailing_bytes_after_the_value_are_rejected_at_their_offset()
    {
        MessagePackException ex = Assert.Throws<MessagePackException>(() => MessagePackSerializer.Deserialize<int>(FromHex("0101")));
        Assert.Equal(1, ex.Offset);
        Assert.Contains("follow", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Wrong_types_say_what_was_expected_and_found()
    {
        MessagePackException ex = AssertRejected("a161", (ref MessagePackReader r) => r.ReadInt32());
        Assert.Contains("expected an integer but found fixstr (0xa1)", ex.Message, StringComparison.Ordinal);
        AssertRejected("01", (ref MessagePackReader r) => r.ReadString());
        AssertRejected("a161", (ref MessagePackReader r) => r.ReadBytes());
        AssertRejected("01", (ref MessagePackReader r) => r.ReadBoolean());
        AssertRejected("01", (ref MessagePackReader r) => r.ReadMapHeader());
        AssertRejected("d40501", (ref MessagePackReader r) => r.ReadTimestamp());
        AssertRejected("d5ff0101", (ref MessagePackReader r) => r.ReadTimestamp());
        ex = AssertRejected("d7ffffffffff00000000", (ref MessagePackReader r) => r.ReadTimestampParts());
        Assert.Contains("nanoseconds", ex.Message, StringComparison.Ordinal);
        Assert.Throws<MessagePackException>(() => MessagePackSerializer.Deserialize<Guid>(FromHex("c40f" + new string('0', 30))));
        Assert.Throws<MessagePackException>(() => MessagePackSerializer.Deserialize<Dictionary<string, int>>(FromHex("82a16101a16102")));
        Assert.Throws<MessagePackException>(() => MessagePackSerializer.Deserialize<Dictionary<string, int>>(FromHex("81c001")));
    }

    [Fact]
    public void Empty_input_is_truncated_not_an_index_error()
    {
        AssertRejected([], (ref MessagePackReader r) => r.ReadInt32());
        Assert.Throws<MessagePackException>(() => new MessagePackReader(default(System.Buffers.ReadOnlySequence<byte>)).NextCode);
        Assert.Throws<MessagePackException>(() => MessagePackSerializer.Deserialize<string>(ReadOnlyMemory<byte>.Empty));
    }

    [Fact]
    public void Limits_apply_to_strings_binaries_extensions_and_collections()
    {
        var tight = MessagePackReaderOptions.Default with { MaxStringLength = 3, MaxBinaryLength = 2, MaxCollectionLength = 2 };
        Assert.Equal("abc", Read("a3616263", (ref MessagePackReader r) => r.ReadString(), tight));
        AssertRejected("a461626364", (ref MessagePackReader r) => r.ReadString(), tight);
        AssertRejected("c403010203", (ref MessagePackReader r) => r.ReadBytes(), tight);
        AssertRejected("d60501020304", (ref MessagePackReader r) => r.ReadExtensionHeader(), tight);
        AssertRejected("93010203", (ref MessagePackReader r) => r.ReadArrayHeader(), tight);
        AssertRejected("83010203040506", (ref MessagePackReader r) => { r.Skip(); return null; }, tight);
        Assert.Throws<ArgumentOutOfRangeException>(() => MessagePackReaderOptions.Default with { MaxDepth = 0 });
    }

    /// <summary>A recursive type whose formatter recurses through the built-in nullable-array machinery.</summary>
    internal sealed class Nested
    {
        public static readonly MessagePackSerializerOptions Options = MessagePackSerializerOptions.Default.WithFormatter(new Formatter());

        public Nested? Child { get; init; }

        private sealed class Formatter : IMessagePackFormatter<Nested?>
        {
            public void Serialize(ref MessagePackWriter writer, Nested? value, MessagePackSerializerOptions options) =>
                throw new NotSupportedException();

            public Nested? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
            {
                if (reader.TryReadNil())
                {
                    return null;
                }

                Nested?[] children = options.GetFormatter<Nested?[]>().Deserialize(ref reader, options)!;
                return new Nested { Child = children.Length > 0 ? children[0] : null };
            }
        }
    }
}
