using IpcKit.Transports.MessagePack;
using static IpcKit.MessagePack.Tests.Support;

namespace IpcKit.MessagePack.Tests;

/// <summary>The writer picks the smallest encoding the spec allows, byte for byte.</summary>
public class WriterEncodingTests
{
    [Theory]
    [InlineData(0L, "00")]
    [InlineData(1L, "01")]
    [InlineData(127L, "7f")]
    [InlineData(128L, "cc80")]
    [InlineData(255L, "ccff")]
    [InlineData(256L, "cd0100")]
    [InlineData(65535L, "cdffff")]
    [InlineData(65536L, "ce00010000")]
    [InlineData(4294967295L, "ceffffffff")]
    [InlineData(4294967296L, "cf0000000100000000")]
    [InlineData(long.MaxValue, "cf7fffffffffffffff")]
    [InlineData(-1L, "ff")]
    [InlineData(-32L, "e0")]
    [InlineData(-33L, "d0df")]
    [InlineData(-128L, "d080")]
    [InlineData(-129L, "d1ff7f")]
    [InlineData(-32768L, "d18000")]
    [InlineData(-32769L, "d2ffff7fff")]
    [InlineData(-2147483648L, "d280000000")]
    [InlineData(-2147483649L, "d3ffffffff7fffffff")]
    [InlineData(long.MinValue, "d38000000000000000")]
    public void Writer_picks_the_smallest_integer_form_at_every_boundary(long value, string expected) =>
        Assert.Equal(expected, WriteHex((ref MessagePackWriter w) => w.Write(value)));

    [Fact]
    public void Writer_picks_uint8_for_200() => Assert.Equal("ccc8", WriteHex((ref MessagePackWriter w) => w.Write(200)));

    [Fact]
    public void Writer_picks_uint64_for_ulong_max() =>
        Assert.Equal("cfffffffffffffffff", WriteHex((ref MessagePackWriter w) => w.Write(ulong.MaxValue)));

    [Fact]
    public void Writer_picks_the_same_form_whatever_the_CLR_integer_type()
    {
        Assert.Equal("7f", WriteHex((ref MessagePackWriter w) => w.Write((sbyte)127)));
        Assert.Equal("d080", WriteHex((ref MessagePackWriter w) => w.Write((sbyte)-128)));
        Assert.Equal("ccff", WriteHex((ref MessagePackWriter w) => w.Write((byte)255)));
        Assert.Equal("d18000", WriteHex((ref MessagePackWriter w) => w.Write(short.MinValue)));
        Assert.Equal("cdffff", WriteHex((ref MessagePackWriter w) => w.Write(ushort.MaxValue)));
        Assert.Equal("05", WriteHex((ref MessagePackWriter w) => w.Write(5u)));
        Assert.Equal("ceffffffff", WriteHex((ref MessagePackWriter w) => w.Write(uint.MaxValue)));
        Assert.Equal("05", WriteHex((ref MessagePackWriter w) => w.Write(5UL)));
    }

    [Fact]
    public void Writer_writes_nil_and_booleans()
    {
        Assert.Equal("c0", WriteHex((ref MessagePackWriter w) => w.WriteNil()));
        Assert.Equal("c3", WriteHex((ref MessagePackWriter w) => w.Write(true)));
        Assert.Equal("c2", WriteHex((ref MessagePackWriter w) => w.Write(false)));
        Assert.Equal("c0", WriteHex((ref MessagePackWriter w) => w.Write((string?)null)));
    }

    [Fact]
    public void Writer_keeps_float_width_including_NaN_and_infinities()
    {
        Assert.Equal("ca3fc00000", WriteHex((ref MessagePackWriter w) => w.Write(1.5f)));
        Assert.Equal("cb3ff8000000000000", WriteHex((ref MessagePackWriter w) => w.Write(1.5d)));
        Assert.Equal("ca7f800000", WriteHex((ref MessagePackWriter w) => w.Write(float.PositiveInfinity)));
        Assert.Equal("caff800000", WriteHex((ref MessagePackWriter w) => w.Write(float.NegativeInfinity)));
        Assert.Equal("cb7ff0000000000000", WriteHex((ref MessagePackWriter w) => w.Write(double.PositiveInfinity)));
        Assert.Equal("cbfff0000000000000", WriteHex((ref MessagePackWriter w) => w.Write(double.NegativeInfinity)));
        Assert.Equal("cb0000000000000000", WriteHex((ref MessagePackWriter w) => w.Write(0d)));
        byte[] nan = Write((ref MessagePackWriter w) => w.Write(double.NaN));
        Assert.Equal(0xcb, nan[0]);
        Assert.True(double.IsNaN(BitConverter.Int64BitsToDouble(System.Buffers.Binary.BinaryPrimitives.ReadInt64BigEndian(nan.AsSpan(1)))));
    }

    [Theory]
    [InlineData(0, "a0")]
    [InlineData(1, "a1")]
    [InlineData(31, "bf")]
    [InlineData(32, "d920")]
    [InlineData(255, "d9ff")]
    [InlineData(256, "da0100")]
    [InlineData(65535, "daffff")]
    [InlineData(65536, "db00010000")]
    public void Writer_picks_the_smallest_string_header(int length, string expectedHeader)
    {
        string text = new('a', length);
        byte[] fromString = Write((ref MessagePackWriter w) => w.Write(text));
        byte[] fromUtf8 = Write((ref MessagePackWriter w) => w.WriteString(System.Text.Encoding.UTF8.GetBytes(text)));
        byte[] header = FromHex(expectedHeader);
        Assert.Equal(header.Length + length, fromString.Length);
        Assert.Equal(header, fromString[..header.Length]);
        Assert.All(fromString[header.Length..], b => Assert.Equal((byte)'a', b));
        Assert.Equal(fromString, fromUtf8);
    }

    [Fact]
    public void Writer_uses_fixstr_for_short_text_whose_worst_case_size_needs_str8()
    {
        // 11 chars could take 33 bytes in the worst case (str8), but ASCII takes 11: the header must be fixstr.
        Assert.Equal("ab" + "68656c6c6f20776f726c64", WriteHex((ref MessagePackWriter w) => w.Write("hello world")));
    }

    [Theory]
    [InlineData(15, 30, "be")]
    [InlineData(16, 32, "d920")]
    [InlineData(200, 400, "da0190")]
    [InlineData(2000, 4000, "da0fa0")]
    [InlineData(4096, 8192, "da2000")]
    [InlineData(5000, 10000, "da2710")]
    [InlineData(40000, 80000, "db00013880")]
    public void Writer_counts_multibyte_text_in_UTF8_bytes(int chars, int bytes, string expectedHeader)
    {
        string text = new('\u00e9', chars); // é: two UTF-8 bytes
        byte[] encoded = Write((ref MessagePackWriter w) => w.Write(text));
        byte[] header = FromHex(expectedHeader);
        Assert.Equal(header, encoded[..header.Length]);
        Assert.Equal(header.Length + bytes, encoded.Length);
        Assert.Equal(text, System.Text.Encoding.UTF8.GetString(encoded.AsSpan(header.Length)));
    }

    [Fact]
    public void Writer_rejects_text_with_an_unpaired_surrogate_and_bytes_that_are_not_UTF8()
    {
        Assert.Throws<ArgumentException>(() => Write((ref MessagePackWriter w) => w.Write("a\ud800b")));
        Assert.Throws<ArgumentException>(() => Write((ref MessagePackWriter w) => w.Write(new string('x', 5000) + "\udc00")));
        Assert.Throws<ArgumentException>(() => Write((ref MessagePackWriter w) => w.WriteString(new byte[] { 0xc0, 0xaf })));
    }

    [Theory]
    [InlineData(0, "c400")]
    [InlineData(255, "c4ff")]
    [InlineData(256, "c50100")]
    [InlineData(65535, "c5ffff")]
    [InlineData(65536, "c600010000")]
    public void Writer_picks_the_smallest_bin_header(int length, string expectedHeader)
    {
        byte[] data = Enumerable.Range(0, length).Select(i => (byte)i).ToArray();
        byte[] encoded = Write((ref MessagePackWriter w) => w.WriteBinary(data));
        byte[] header = FromHex(expectedHeader);
        Assert.Equal(header, encoded[..header.Length]);
        Assert.Equal(data, encoded[header.Length..]);
    }

    [Theory]
    [InlineData(0, "90", "80")]
    [InlineData(1, "91", "81")]
    [InlineData(15, "9f", "8f")]
    [InlineData(16, "dc0010", "de0010")]
    [InlineData(17, "dc0011", "de0011")]
    [InlineData(65535, "dcffff", "deffff")]
    [InlineData(65536, "dd00010000", "df00010000")]
    [InlineData(int.MaxValue, "dd7fffffff", "df7fffffff")]
    public void Writer_picks_the_smallest_array_and_map_headers(int count, string arrayHeader, string mapHeader)
    {
        Assert.Equal(arrayHeader, WriteHex((ref MessagePackWriter w) => w.WriteArrayHeader(count)));
        Assert.Equal(mapHeader, WriteHex((ref MessagePackWriter w) => w.WriteMapHeader(count)));
    }

    [Theory]
    [InlineData(1, "d4")]
    [InlineData(2, "d5")]
    [InlineData(4, "d6")]
    [InlineData(8, "d7")]
    [InlineData(16, "d8")]
    [InlineData(0, "c700")]
    [InlineData(3, "c703")]
    [InlineData(17, "c711")]
    [InlineData(255, "c7ff")]
    [InlineData(256, "c80100")]
    [InlineData(65535, "c8ffff")]
    [InlineData(65536, "c900010000")]
    public void Writer_picks_fixext_for_exact_sizes_and_the_smallest_ext_otherwise(int length, string expectedHeader)
    {
        byte[] data = Enumerable.Range(0, length).Select(i => (byte)(i * 7)).ToArray();
        byte[] encoded = Write((ref MessagePackWriter w) => w.WriteExtension(42, data));
        byte[] header = FromHex(expectedHeader + "2a");
        Assert.Equal(header, encoded[..header.Length]);
        Assert.Equal(data, encoded[header.Length..]);
    }

    [Theory]
    [InlineData(0L, 0u, "d6ff00000000")]
    [InlineData(4294967295L, 0u, "d6ffffffffff")]
    [InlineData(4294967296L, 0u, "d7ff0000000100000000")]
    [InlineData(0L, 1u, "d7ff0000000400000000")]
    [InlineData(17179869183L, 999999999u, "d7ffee6b27ffffffffff")]
    [InlineData(17179869184L, 0u, "c70cff000000000000000400000000")]
    [InlineData(-1L, 0u, "c70cff00000000ffffffffffffffff")]
    [InlineData(-1L, 999999999u, "c70cff3b9ac9ffffffffffffffffff")]
    [InlineData(long.MinValue, 0u, "c70cff000000008000000000000000")]
    public void Writer_picks_the_smallest_timestamp_form(long seconds, uint nanoseconds, string expected) =>
        Assert.Equal(expected, WriteHex((ref MessagePackWriter w) => w.WriteTimestamp(seconds, nanoseconds)));

    [Fact]
    public void Writer_converts_DateTime_to_timestamps()
    {
        Assert.Equal("d6ff00000000", WriteHex((ref MessagePackWriter w) => w.WriteTimestamp(DateTime.UnixEpoch)));
        Assert.Equal("d7ff0000019000000000", WriteHex((ref MessagePackWriter w) => w.WriteTimestamp(DateTime.UnixEpoch.AddTicks(1))));

        // 100 ns before 1970 is second -1 plus 999,999,900 ns.
        Assert.Equal("c70cff3b9ac99cffffffffffffffff", WriteHex((ref MessagePackWriter w) => w.WriteTimestamp(DateTime.UnixEpoch.AddTicks(-1))));

        // 2^34 seconds after 1970 is 2514-05-30T01:53:04Z: the first instant that needs the 96-bit form.
        var limit = new DateTime(2514, 5, 30, 1, 53, 4, DateTimeKind.Utc);
        Assert.Equal("c70cff000000000000000400000000", WriteHex((ref MessagePackWriter w) => w.WriteTimestamp(limit)));
        Assert.Equal(10, Write((ref MessagePackWriter w) => w.WriteTimestamp(limit.AddTicks(-1))).Length);

        var offset = new DateTimeOffset(1970, 1, 1, 2, 0, 0, TimeSpan.FromHours(2));
        Assert.Equal("d6ff00000000", WriteHex((ref MessagePackWriter w) => w.WriteTimestamp(offset)));
    }

    [Fact]
    public void Writer_rejects_nanoseconds_of_a_full_second_and_negative_lengths()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Write((ref MessagePackWriter w) => w.WriteTimestamp(0, 1_000_000_000)));
        Assert.Throws<ArgumentOutOfRangeException>(() => Write((ref MessagePackWriter w) => w.WriteArrayHeader(-1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => Write((ref MessagePackWriter w) => w.WriteMapHeader(-1)));
    }

    [Fact]
    public void Writer_commits_nothing_until_flushed_and_everything_after()
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(1);
        var writer = new MessagePackWriter(buffer);
        for (int i = 0; i < 10_000; i++)
        {
            writer.Write(i);
        }

        writer.Flush();
        var reader = new MessagePackReader(buffer.WrittenMemory);
        for (int i = 0; i < 10_000; i++)
        {
            Assert.Equal(i, reader.ReadInt32());
        }

        Assert.True(reader.End);
    }
}
