using IpcKit.Transports.MessagePack;
using static IpcKit.MessagePack.Tests.Support;

namespace IpcKit.MessagePack.Tests;

/// <summary>The reader accepts every valid encoding of a value, not only the one the writer would choose.</summary>
public class NonMinimalEncodingTests
{
    [Theory]
    [InlineData("cc05")]
    [InlineData("cd0005")]
    [InlineData("ce00000005")]
    [InlineData("cf0000000000000005")]
    [InlineData("d005")]
    [InlineData("d10005")]
    [InlineData("d200000005")]
    [InlineData("d30000000000000005")]
    public void Five_reads_as_five_in_every_integer_form(string hex)
    {
        Assert.Equal(5, Read(hex, (ref MessagePackReader r) => r.ReadInt32()));
        Assert.Equal(5UL, Read(hex, (ref MessagePackReader r) => r.ReadUInt64()));
        Assert.Equal((byte)5, Read(hex, (ref MessagePackReader r) => r.ReadByte()));
        Assert.Equal(5d, Read(hex, (ref MessagePackReader r) => r.ReadDouble()));
    }

    [Theory]
    [InlineData("d0ff")]
    [InlineData("d1ffff")]
    [InlineData("d2ffffffff")]
    [InlineData("d3ffffffffffffffff")]
    public void Minus_one_reads_as_minus_one_in_every_signed_form(string hex)
    {
        Assert.Equal(-1L, Read(hex, (ref MessagePackReader r) => r.ReadInt64()));
        Assert.Equal((sbyte)-1, Read(hex, (ref MessagePackReader r) => r.ReadSByte()));
    }

    [Theory]
    [InlineData("d903616263")]
    [InlineData("da0003616263")]
    [InlineData("db00000003616263")]
    public void Short_strings_read_from_str8_str16_and_str32(string hex) =>
        Assert.Equal("abc", Read(hex, (ref MessagePackReader r) => r.ReadString()));

    [Theory]
    [InlineData("c50002abcd")]
    [InlineData("c600000002abcd")]
    public void Short_binaries_read_from_bin16_and_bin32(string hex) =>
        Assert.Equal(new byte[] { 0xab, 0xcd }, Read(hex, (ref MessagePackReader r) => r.ReadBytes()!.Value.ToArray()));

    [Theory]
    [InlineData("dc000101", "dc")]
    [InlineData("dd0000000101", "dd")]
    [InlineData("de00010102", "de")]
    [InlineData("df000000010102", "df")]
    public void Small_collections_read_from_16_and_32_bit_headers(string hex, string code)
    {
        var reader = new MessagePackReader(FromHex(hex));
        int count = code is "dc" or "dd" ? reader.ReadArrayHeader() : reader.ReadMapHeader();
        Assert.Equal(1, count);
        reader.Skip();
        if (code is "de" or "df")
        {
            reader.Skip();
        }

        Assert.True(reader.End);
    }

    [Theory]
    [InlineData("c7010709")]
    [InlineData("c800010709")]
    [InlineData("c90000000107 09")]
    public void One_byte_extensions_read_from_ext8_ext16_and_ext32(string hex)
    {
        var reader = new MessagePackReader(FromHex(hex));
        Assert.Equal(new MessagePackExtensionHeader(7, 1), reader.ReadExtensionHeader());
        Assert.Equal(new byte[] { 9 }, reader.ReadRaw(1).ToArray());
        Assert.True(reader.End);
    }

    [Theory]
    [InlineData("c704ff00000001")]
    [InlineData("d7ff0000000000000001")]
    [InlineData("c70cff000000000000000000000001")]
    [InlineData("c80004ff00000001")]
    public void One_second_after_1970_reads_from_any_timestamp_form(string hex) =>
        Assert.Equal(DateTime.UnixEpoch.AddSeconds(1), Read(hex, (ref MessagePackReader r) => r.ReadTimestamp()));

    [Fact]
    public void Floats_holding_integers_read_as_floats_and_integers_read_as_floats()
    {
        Assert.Equal(2f, Read("cb4000000000000000", (ref MessagePackReader r) => r.ReadSingle()));
        Assert.Equal(2d, Read("ca40000000", (ref MessagePackReader r) => r.ReadDouble()));
        Assert.Equal(-3f, Read("fd", (ref MessagePackReader r) => r.ReadSingle()));
        Assert.Equal(16777217d, Read("ce01000001", (ref MessagePackReader r) => r.ReadDouble()));
        Assert.Equal(float.PositiveInfinity, Read("cb7fefffffffffffff", (ref MessagePackReader r) => r.ReadSingle()));
    }

    [Fact]
    public void Floats_are_not_accepted_where_an_integer_is_expected()
    {
        MessagePackException ex = AssertRejected("cb4000000000000000", (ref MessagePackReader r) => r.ReadInt64());
        Assert.Equal(0, ex.Offset);
        Assert.Contains("float64", ex.Message, StringComparison.Ordinal);
    }
}
