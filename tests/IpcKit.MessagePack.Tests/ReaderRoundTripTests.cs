using System.Buffers;
using IpcKit.Transports.MessagePack;
using static IpcKit.MessagePack.Tests.Support;

namespace IpcKit.MessagePack.Tests;

/// <summary>What the writer writes, the reader reads back — contiguous and split into one-byte segments.</summary>
public class ReaderRoundTripTests
{
    public static TheoryData<long> SignedBoundaries => new()
    {
        0, 1, 127, 128, 255, 256, 32767, 32768, 65535, 65536, int.MaxValue, 4294967295L, 4294967296L, long.MaxValue,
        -1, -32, -33, -128, -129, -32768, -32769, int.MinValue, int.MinValue - 1L, long.MinValue,
    };

    [Theory]
    [MemberData(nameof(SignedBoundaries))]
    public void Integers_round_trip_at_every_boundary(long value)
    {
        byte[] bytes = Write((ref MessagePackWriter w) => w.Write(value));
        Assert.Equal(value, Read(bytes, (ref MessagePackReader r) => r.ReadInt64()));
        var segmented = new MessagePackReader(Segmented(bytes));
        Assert.Equal(value, segmented.ReadInt64());
        Assert.True(segmented.End);
        Assert.Equal(MessagePackType.Integer, new MessagePackReader(bytes).NextType);
        Assert.Equal((double)value, Read(bytes, (ref MessagePackReader r) => r.ReadDouble()));
    }

    [Theory]
    [MemberData(nameof(SignedBoundaries))]
    public void Narrowing_reads_succeed_when_the_value_fits_and_throw_when_it_does_not(long value)
    {
        byte[] bytes = Write((ref MessagePackWriter w) => w.Write(value));
        CheckNarrowing(bytes, value is >= int.MinValue and <= int.MaxValue, (ref MessagePackReader r) => r.ReadInt32(), (int)value);
        CheckNarrowing(bytes, value is >= short.MinValue and <= short.MaxValue, (ref MessagePackReader r) => r.ReadInt16(), (short)value);
        CheckNarrowing(bytes, value is >= sbyte.MinValue and <= sbyte.MaxValue, (ref MessagePackReader r) => r.ReadSByte(), (sbyte)value);
        CheckNarrowing(bytes, value >= 0, (ref MessagePackReader r) => r.ReadUInt64(), (ulong)value);
        CheckNarrowing(bytes, value is >= 0 and <= uint.MaxValue, (ref MessagePackReader r) => r.ReadUInt32(), (uint)value);
        CheckNarrowing(bytes, value is >= 0 and <= ushort.MaxValue, (ref MessagePackReader r) => r.ReadUInt16(), (ushort)value);
        CheckNarrowing(bytes, value is >= 0 and <= byte.MaxValue, (ref MessagePackReader r) => r.ReadByte(), (byte)value);
    }

    [Fact]
    public void Ulong_max_reads_as_UInt64_but_overflows_Int64()
    {
        byte[] bytes = Write((ref MessagePackWriter w) => w.Write(ulong.MaxValue));
        Assert.Equal(ulong.MaxValue, Read(bytes, (ref MessagePackReader r) => r.ReadUInt64()));
        MessagePackException ex = AssertRejected(bytes, (ref MessagePackReader r) => r.ReadInt64());
        Assert.Equal(0, ex.Offset);
        Assert.Contains("18446744073709551615", ex.Message, StringComparison.Ordinal);
        Assert.Equal(1.8446744073709552E19, Read(bytes, (ref MessagePackReader r) => r.ReadDouble()));
    }

    [Theory]
    [InlineData(0f)]
    [InlineData(1.5f)]
    [InlineData(float.MaxValue)]
    [InlineData(float.Epsilon)]
    [InlineData(float.PositiveInfinity)]
    [InlineData(float.NegativeInfinity)]
    [InlineData(float.NaN)]
    public void Float32_round_trips_bit_for_bit_and_widens_exactly(float value)
    {
        byte[] bytes = Write((ref MessagePackWriter w) => w.Write(value));
        Assert.Equal(BitConverter.SingleToInt32Bits(value), BitConverter.SingleToInt32Bits(Read(bytes, (ref MessagePackReader r) => r.ReadSingle())));
        Assert.Equal((double)value, Read(bytes, (ref MessagePackReader r) => r.ReadDouble()));
        Assert.Equal(MessagePackType.Float, new MessagePackReader(bytes).NextType);
    }

    [Theory]
    [InlineData(0d)]
    [InlineData(Math.PI)]
    [InlineData(double.MaxValue)]
    [InlineData(double.Epsilon)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(double.NegativeInfinity)]
    [InlineData(double.NaN)]
    public void Float64_round_trips_bit_for_bit(double value)
    {
        byte[] bytes = Write((ref MessagePackWriter w) => w.Write(value));
        Assert.Equal(BitConverter.DoubleToInt64Bits(value), BitConverter.DoubleToInt64Bits(Read(bytes, (ref MessagePackReader r) => r.ReadDouble())));
        var segmented = new MessagePackReader(Segmented(bytes));
        Assert.Equal(BitConverter.DoubleToInt64Bits(value), BitConverter.DoubleToInt64Bits(segmented.ReadDouble()));
        Assert.Equal((float)value, Read(bytes, (ref MessagePackReader r) => r.ReadSingle()));
    }

    [Fact]
    public void Negative_zero_keeps_its_sign()
    {
        Assert.True(float.IsNegative(Read(Write((ref MessagePackWriter w) => w.Write(-0f)), (ref MessagePackReader r) => r.ReadSingle())));
        Assert.True(double.IsNegative(Read(Write((ref MessagePackWriter w) => w.Write(-0d)), (ref MessagePackReader r) => r.ReadDouble())));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(31)]
    [InlineData(32)]
    [InlineData(255)]
    [InlineData(256)]
    [InlineData(65535)]
    [InlineData(65536)]
    public void Strings_round_trip_at_every_header_boundary(int length)
    {
        string text = string.Concat(Enumerable.Range(0, length).Select(i => (char)('a' + (i % 26))));
        byte[] bytes = Write((ref MessagePackWriter w) => w.Write(text));
        Assert.Equal(text, Read(bytes, (ref MessagePackReader r) => r.ReadString()));
        var segmented = new MessagePackReader(Segmented(bytes, 7));
        Assert.Equal(text, segmented.ReadString());
        Assert.True(segmented.End);
        Assert.Equal(MessagePackType.String, new MessagePackReader(bytes).NextType);
    }

    [Fact]
    public void Unicode_text_round_trips_including_across_segment_boundaries()
    {
        string text = "h\u00e9llo \u4e16\u754c \ud83c\udf89 " + new string('\u00e9', 300);
        byte[] bytes = Write((ref MessagePackWriter w) => w.Write(text));
        Assert.Equal(text, Read(bytes, (ref MessagePackReader r) => r.ReadString()));
        for (int size = 1; size < 8; size++)
        {
            var segmented = new MessagePackReader(Segmented(bytes, size));
            Assert.Equal(text, segmented.ReadString());
        }
    }

    [Fact]
    public void Raw_UTF8_string_reads_return_the_bytes_without_decoding()
    {
        byte[] bytes = Write((ref MessagePackWriter w) => { w.Write("abc"); w.WriteNil(); w.Write("d\u00e9f"); });
        var reader = new MessagePackReader(bytes);
        Assert.True(reader.TryReadStringSpan(out ReadOnlySpan<byte> abc));
        Assert.Equal("abc"u8.ToArray(), abc.ToArray());
        Assert.False(reader.TryReadStringSpan(out _));
        Assert.Null(reader.ReadStringSequence());
        Assert.Equal("d\u00e9f"u8.ToArray(), reader.ReadStringSequence()!.Value.ToArray());
        Assert.True(reader.End);

        var segmented = new MessagePackReader(Segmented(bytes));
        Assert.False(segmented.TryReadStringSpan(out _));
        Assert.Equal("abc"u8.ToArray(), segmented.ReadStringSequence()!.Value.ToArray());
    }

    [Fact]
    public void Contiguous_binary_reads_return_the_bytes_in_place_and_step_aside_for_nil_and_split_values()
    {
        byte[] bytes = Write((ref MessagePackWriter w) => { w.WriteBinary([1, 2, 3]); w.WriteNil(); w.WriteBinary(new byte[300]); });
        var reader = new MessagePackReader(bytes);
        Assert.True(reader.TryReadBinarySpan(out ReadOnlySpan<byte> first));
        Assert.Equal(new byte[] { 1, 2, 3 }, first.ToArray());
        Assert.False(reader.TryReadBinarySpan(out _));
        Assert.Equal(5, reader.Consumed);
        Assert.Null(reader.ReadBytes());
        Assert.True(reader.TryReadBinarySpan(out ReadOnlySpan<byte> second));
        Assert.Equal(300, second.Length);
        Assert.True(reader.End);

        var segmented = new MessagePackReader(Segmented(bytes, 2));
        Assert.False(segmented.TryReadBinarySpan(out _));
        Assert.Equal(0, segmented.Consumed);
        Assert.Equal(new byte[] { 1, 2, 3 }, segmented.ReadBytes()!.Value.ToArray());

        AssertRejected("a161", (ref MessagePackReader r) => r.TryReadBinarySpan(out _));
        AssertRejected("c40301", (ref MessagePackReader r) => r.TryReadBinarySpan(out _));
        AssertRejected("c403010203", (ref MessagePackReader r) => r.TryReadBinarySpan(out _), MessagePackReaderOptions.Default with { MaxBinaryLength = 2 });
        AssertRejected("01", (ref MessagePackReader r) => r.TryReadStringSpan(out _));
        AssertRejected("a3616263", (ref MessagePackReader r) => r.TryReadStringSpan(out _), MessagePackReaderOptions.Default with { MaxStringLength = 2 });
    }

    [Theory]
    [InlineData(0)]
    [InlineData(255)]
    [InlineData(256)]
    [InlineData(65535)]
    [InlineData(65536)]
    public void Binaries_round_trip_at_every_header_boundary(int length)
    {
        byte[] data = Enumerable.Range(0, length).Select(i => (byte)(i * 31)).ToArray();
        byte[] bytes = Write((ref MessagePackWriter w) => w.WriteBinary(data));
        Assert.Equal(data, Read(bytes, (ref MessagePackReader r) => r.ReadBytes()!.Value.ToArray()));
        var segmented = new MessagePackReader(Segmented(bytes, 1000));
        Assert.Equal(data, segmented.ReadBytes()!.Value.ToArray());
        Assert.Equal(MessagePackType.Binary, new MessagePackReader(bytes).NextType);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(15)]
    [InlineData(16)]
    [InlineData(17)]
    [InlineData(65535)]
    [InlineData(65536)]
    public void Arrays_and_maps_round_trip_at_every_header_boundary(int count)
    {
        byte[] array = Write((ref MessagePackWriter w) =>
        {
            w.WriteArrayHeader(count);
            for (int i = 0; i < count; i++)
            {
                w.Write(i);
            }
        });
        var reader = new MessagePackReader(array);
        Assert.Equal(MessagePackType.Array, reader.NextType);
        Assert.Equal(count, reader.ReadArrayHeader());
        for (int i = 0; i < count; i++)
        {
            Assert.Equal(i, reader.ReadInt32());
        }

        Assert.True(reader.End);

        byte[] map = Write((ref MessagePackWriter w) =>
        {
            w.WriteMapHeader(count);
            for (int i = 0; i < count; i++)
            {
                w.Write(i);
                w.Write(-i);
            }
        });
        reader = new MessagePackReader(map);
        Assert.Equal(MessagePackType.Map, reader.NextType);
        Assert.Equal(count, reader.ReadMapHeader());
        for (int i = 0; i < count; i++)
        {
            Assert.Equal(i, reader.ReadInt32());
            Assert.Equal(-i, reader.ReadInt32());
        }

        Assert.True(reader.End);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(8)]
    [InlineData(16)]
    [InlineData(17)]
    [InlineData(255)]
    [InlineData(256)]
    [InlineData(65536)]
    public void Extensions_round_trip_for_every_size_class(int length)
    {
        byte[] data = Enumerable.Range(0, length).Select(i => (byte)(255 - i)).ToArray();
        byte[] bytes = Write((ref MessagePackWriter w) => w.WriteExtension(-7, data));
        var reader = new MessagePackReader(Segmented(bytes, 5));
        Assert.Equal(MessagePackType.Extension, reader.NextType);
        MessagePackExtensionHeader header = reader.ReadExtensionHeader();
        Assert.Equal(new MessagePackExtensionHeader(-7, length), header);
        Assert.Equal(data, reader.ReadRaw(header.Length).ToArray());
        Assert.True(reader.End);
    }

    [Theory]
    [InlineData(0L, 0u)]
    [InlineData(4294967295L, 0u)]
    [InlineData(4294967296L, 0u)]
    [InlineData(1L, 1u)]
    [InlineData(17179869183L, 999999999u)]
    [InlineData(17179869184L, 0u)]
    [InlineData(-1L, 0u)]
    [InlineData(-1L, 999999999u)]
    [InlineData(long.MinValue, 123u)]
    [InlineData(long.MaxValue, 999999999u)]
    public void Timestamps_round_trip_in_every_form(long seconds, uint nanoseconds)
    {
        byte[] bytes = Write((ref MessagePackWriter w) => w.WriteTimestamp(seconds, nanoseconds));
        Assert.Equal((seconds, nanoseconds), Read(bytes, (ref MessagePackReader r) => r.ReadTimestampParts()));
        var segmented = new MessagePackReader(Segmented(bytes));
        Assert.Equal((seconds, nanoseconds), segmented.ReadTimestampParts());
    }

    public static TheoryData<DateTime> Instants => new()
    {
        DateTime.UnixEpoch,
        new DateTime(2024, 2, 29, 12, 34, 56, DateTimeKind.Utc).AddTicks(1234567),
        new DateTime(2106, 2, 7, 6, 28, 15, DateTimeKind.Utc),
        new DateTime(2106, 2, 7, 6, 28, 16, DateTimeKind.Utc),
        new DateTime(2514, 5, 30, 1, 53, 3, DateTimeKind.Utc).AddTicks(9_999_999),
        new DateTime(2514, 5, 30, 1, 53, 4, DateTimeKind.Utc),
        new DateTime(1969, 12, 31, 23, 59, 59, DateTimeKind.Utc).AddTicks(9_999_999),
        new DateTime(1066, 10, 14, 9, 0, 0, DateTimeKind.Utc),
        DateTime.MinValue,
        DateTime.SpecifyKind(DateTime.MaxValue, DateTimeKind.Utc),
    };

    [Theory]
    [MemberData(nameof(Instants))]
    public void DateTimes_round_trip_to_the_tick_as_UTC(DateTime value)
    {
        byte[] bytes = Write((ref MessagePackWriter w) => w.WriteTimestamp(value));
        DateTime read = Read(bytes, (ref MessagePackReader r) => r.ReadTimestamp());
        Assert.Equal(value.Ticks, read.Ticks);
        Assert.Equal(DateTimeKind.Utc, read.Kind);
    }

    [Fact]
    public void Timestamps_outside_DateTime_are_rejected_by_ReadTimestamp_but_readable_as_parts()
    {
        byte[] bytes = Write((ref MessagePackWriter w) => w.WriteTimestamp(long.MaxValue, 0));
        AssertRejected(bytes, (ref MessagePackReader r) => r.ReadTimestamp());
        Assert.Equal((long.MaxValue, 0u), Read(bytes, (ref MessagePackReader r) => r.ReadTimestampParts()));
    }

    [Fact]
    public void Nil_and_booleans_round_trip_and_TryReadNil_consumes_only_nil()
    {
        byte[] bytes = FromHex("c0c3c2");
        var reader = new MessagePackReader(bytes);
        Assert.Equal(MessagePackType.Nil, reader.NextType);
        Assert.True(reader.TryReadNil());
        Assert.Equal(MessagePackType.Boolean, reader.NextType);
        Assert.False(reader.TryReadNil());
        Assert.Equal(1, reader.Consumed);
        Assert.True(reader.ReadBoolean());
        Assert.False(reader.ReadBoolean());
        Assert.True(reader.End);
        Assert.Null(Read("c0", (ref MessagePackReader r) => r.ReadString()));
        Assert.Null(Read("c0", (ref MessagePackReader r) => r.ReadBytes()));
    }

    [Fact]
    public void Skip_and_ReadRawValue_pass_over_a_value_of_every_family()
    {
        byte[] bytes = Write((ref MessagePackWriter w) =>
        {
            w.WriteArrayHeader(11);
            w.WriteNil();
            w.Write(true);
            w.Write(-129);
            w.Write(ulong.MaxValue);
            w.Write(1.5f);
            w.Write(2.5d);
            w.Write(new string('s', 300));
            w.WriteBinary(new byte[70000]);
            w.WriteMapHeader(2);
            w.Write("k");
            w.WriteArrayHeader(0);
            w.Write(1);
            w.WriteMapHeader(0);
            w.WriteExtension(3, new byte[17]);
            w.WriteTimestamp(-5, 5);
            w.Write("after");
        });
        var reader = new MessagePackReader(bytes);
        reader.Skip();
        Assert.Equal("after", reader.ReadString());

        var segmented = new MessagePackReader(Segmented(bytes, 3));
        ReadOnlySequence<byte> raw = segmented.ReadRawValue();
        Assert.Equal(bytes[..^6], raw.ToArray());
        Assert.Equal("after", segmented.ReadString());
        Assert.True(segmented.End);
    }

    private static void CheckNarrowing<T>(byte[] bytes, bool fits, ReadFunc<T> read, T expected)
    {
        if (fits)
        {
            Assert.Equal(expected, Read(bytes, read));
        }
        else
        {
            MessagePackException ex = AssertRejected(bytes, (ref MessagePackReader r) => read(ref r));
            Assert.Equal(0, ex.Offset);
            Assert.Contains("does not fit", ex.Message, StringComparison.Ordinal);
        }
    }
}
