using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using IpcKit.Protocol;
using IpcKit.Protocol.Samples;
using IpcKit.Transports.MessagePack;
using MessagePack;
using static IpcKit.MessagePack.Tests.Support;

namespace IpcKit.MessagePack.Tests;

/// <summary>
/// Both directions against an independent implementation, @msgpack/msgpack on Node.js: what IpcKit writes with
/// MessagePack-CSharp (its primitives, and typed messages under <see cref="MessagePackFrames.DefaultOptions"/>) decodes
/// there to the expected value, and what @msgpack/msgpack writes is byte for byte what IpcKit writes and reads back to the
/// same value.
/// The case names match namedValues() in tests/interop/msgpack-interop.mjs.
/// </summary>
public class InteropTests
{
    private static readonly Dictionary<string, (WriteAction Write, JsonNode Expected, Check Check)> Cases = BuildCases();

    [Fact(Timeout = 240_000)]
    public async Task Everything_IpcKit_writes_decodes_to_the_same_values_in_msgpack_javascript()
    {
        List<(string Name, byte[] Bytes, JsonNode Expected)> cases = Cases
            .Select(c => (c.Key, Write(c.Value.Write), c.Value.Expected))
            .Append(OrderCase())
            .ToList();
        string input = string.Join('\n', cases.Select(c => Convert.ToHexStringLower(c.Bytes))) + "\n";

        string[] lines = (await NodeInterop.RunScriptAsync("decode", input)).Split('\n', StringSplitOptions.RemoveEmptyEntries);

        Assert.Equal(cases.Count, lines.Length);
        for (int i = 0; i < cases.Count; i++)
        {
            JsonNode actual = JsonNode.Parse(lines[i])!;
            Assert.True(Matches(cases[i].Expected, actual), $"{cases[i].Name}: expected {Shorten(cases[i].Expected)} but JavaScript decoded {Shorten(actual)}");
        }
    }

    [Fact(Timeout = 240_000)]
    public async Task Everything_msgpack_javascript_writes_is_what_IpcKit_writes_and_reads_back()
    {
        string output = await NodeInterop.RunScriptAsync("encode", "");
        Dictionary<string, string> encoded = output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split(' '))
            .ToDictionary(parts => parts[0], parts => parts[1]);

        Assert.Equal(Cases.Keys.Order(), encoded.Keys.Order());
        foreach ((string name, string hex) in encoded)
        {
            (WriteAction write, _, Check check) = Cases[name];
            byte[] bytes = Convert.FromHexString(hex);
            // NaN has many bit patterns: .NET's double.NaN has the sign bit set, JavaScript's does not. Both are NaN.
            bool sameBytes = name == "float_nan" ? hex.StartsWith("cb", StringComparison.Ordinal) : Convert.ToHexStringLower(Write(write)) == hex;
            Assert.True(sameBytes, $"{name}: IpcKit writes different bytes from @msgpack/msgpack ({Shorten(hex)})");

            var reader = new MessagePackReader(bytes);
            check(ref reader);
            Assert.True(reader.End, $"{name}: {bytes.Length - reader.Consumed} byte(s) left after reading");
            var skipper = new MessagePackReader(bytes);
            skipper.Skip();
            Assert.True(skipper.End, $"{name}: Skip left {bytes.Length - skipper.Consumed} byte(s)");
        }
    }

    private static Dictionary<string, (WriteAction, JsonNode, Check)> BuildCases()
    {
        var cases = new Dictionary<string, (WriteAction, JsonNode, Check)>
        {
            ["nil"] = ((ref MessagePackWriter w) => w.WriteNil(), Tag("nil"), (ref MessagePackReader r) => r.ReadNil()),
            ["true"] = ((ref MessagePackWriter w) => w.Write(true), Tag("bool", true), (ref MessagePackReader r) => Assert.True(r.ReadBoolean())),
            ["false"] = ((ref MessagePackWriter w) => w.Write(false), Tag("bool", false), (ref MessagePackReader r) => Assert.False(r.ReadBoolean())),
            ["int_ulong_max"] = ((ref MessagePackWriter w) => w.Write(ulong.MaxValue), Tag("int", ulong.MaxValue.ToString(CultureInfo.InvariantCulture)),
                (ref MessagePackReader r) => Assert.Equal(ulong.MaxValue, r.ReadUInt64())),
            ["str_unicode"] = ((ref MessagePackWriter w) => w.Write(Unicode), Tag("str", Unicode), (ref MessagePackReader r) => Assert.Equal(Unicode, r.ReadString())),
            ["nested"] = (WriteNested, NestedExpected(), CheckNested),
            ["typed_receipt"] = Typed(new OrderReceipt(7, 2.5, 3, true),
                Tag("arr", new JsonArray(Num(7), Num(2.5), Num(3), Tag("bool", true))), MessagePackFrames.DefaultOptions),
            ["typed_control_ready"] = Typed<ControlMessage>(new ReadyMessage(7, -1),
                Tag("arr", new JsonArray(Num(1), Map(("Pid", Num(7)), ("Cpu", Num(-1))))), ControlMessage.Options),
            ["typed_dictionary"] = Typed(new Dictionary<string, long> { ["a"] = 1, ["b"] = -5_000_000_000 },
                Map(("a", Num(1)), ("b", Tag("int", "-5000000000"))), MessagePackFrames.DefaultOptions),
        };

        foreach ((string name, long value) in new (string, long)[]
        {
            ("0", 0), ("127", 127), ("128", 128), ("255", 255), ("256", 256), ("65535", 65535), ("65536", 65536),
            ("4294967295", 4294967295), ("4294967296", 4294967296), ("m1", -1), ("m32", -32), ("m33", -33), ("m128", -128),
            ("m129", -129), ("m32768", -32768), ("m32769", -32769), ("m2147483648", int.MinValue), ("m2147483649", int.MinValue - 1L),
            ("long_max", long.MaxValue), ("long_min", long.MinValue),
        })
        {
            // Up to 32 bits JavaScript decodes a number; uint64/int64 forms decode as a BigInt.
            bool wide = value is > uint.MaxValue or < int.MinValue;
            string text = value.ToString(CultureInfo.InvariantCulture);
            cases["int_" + name] = ((ref MessagePackWriter w) => w.Write(value), wide ? Tag("int", text) : Tag("num", text),
                (ref MessagePackReader r) => Assert.Equal(value, r.ReadInt64()));
        }

        foreach ((string name, double value) in new (string, double)[]
        {
            ("1_5", 1.5), ("pi", Math.PI), ("m0_1", -0.1), ("nan", double.NaN), ("inf", double.PositiveInfinity),
            ("minf", double.NegativeInfinity), ("tiny", double.Epsilon),
        })
        {
            cases["float_" + name] = ((ref MessagePackWriter w) => w.Write(value), Num(value),
                (ref MessagePackReader r) =>
                {
                    double read = r.ReadDouble();
                    Assert.True(double.IsNaN(value) ? double.IsNaN(read) : BitConverter.DoubleToInt64Bits(value) == BitConverter.DoubleToInt64Bits(read), $"{value} read as {read}");
                });
        }

        foreach (int n in new[] { 0, 31, 32, 255, 256, 65535, 65536 })
        {
            string text = new('a', n);
            cases[$"str_{n}"] = ((ref MessagePackWriter w) => w.Write(text), Tag("str", text), (ref MessagePackReader r) => Assert.Equal(text, r.ReadString()));
        }

        foreach (int n in new[] { 0, 255, 256, 65535, 65536 })
        {
            byte[] data = Bytes(n);
            cases[$"bin_{n}"] = ((ref MessagePackWriter w) => w.Write(data), Tag("bin", Convert.ToHexStringLower(data)),
                (ref MessagePackReader r) => Assert.Equal(data, r.ReadBytes()!.Value.ToArray()));
        }

        foreach (int n in new[] { 0, 15, 16, 17, 65536 })
        {
            cases[$"arr_{n}"] = ((ref MessagePackWriter w) =>
            {
                w.WriteArrayHeader(n);
                for (int i = 0; i < n; i++)
                {
                    w.Write(i);
                }
            }, Tag("arr", new JsonArray(Enumerable.Range(0, n).Select(i => (JsonNode?)Num(i)).ToArray())), (ref MessagePackReader r) =>
            {
                Assert.Equal(n, r.ReadArrayHeader());
                for (int i = 0; i < n; i++)
                {
                    Assert.Equal(i, r.ReadInt32());
                }
            });
        }

        foreach (int n in new[] { 0, 15, 16, 17 })
        {
            cases[$"map_{n}"] = ((ref MessagePackWriter w) =>
            {
                w.WriteMapHeader(n);
                for (int i = 0; i < n; i++)
                {
                    w.Write($"k{i}");
                    w.Write(i);
                }
            }, Map(Enumerable.Range(0, n).Select(i => ($"k{i}", (JsonNode)Num(i))).ToArray()), (ref MessagePackReader r) =>
            {
                Assert.Equal(n, r.ReadMapHeader());
                for (int i = 0; i < n; i++)
                {
                    Assert.Equal($"k{i}", r.ReadString());
                    Assert.Equal(i, r.ReadInt32());
                }
            });
        }

        foreach ((int n, sbyte type) in new (int, sbyte)[] { (1, 5), (2, 5), (4, 5), (8, 5), (16, 5), (3, 5), (17, 5), (0, 5), (256, 127), (65536, -128) })
        {
            byte[] data = Bytes(n);
            cases[$"ext_{n}"] = ((ref MessagePackWriter w) => w.WriteExtensionFormat(new ExtensionResult(type, data)),
                new JsonObject { ["t"] = "ext", ["type"] = (int)type, ["v"] = Convert.ToHexStringLower(data) }, (ref MessagePackReader r) =>
                {
                    ExtensionResult ext = r.ReadExtensionFormat();
                    Assert.Equal(type, ext.TypeCode);
                    Assert.Equal(data, ext.Data.ToArray());
                });
        }

        foreach ((string name, long seconds, uint nanoseconds) in new (string, long, uint)[]
        {
            ("0", 0, 0), ("32_max", 4294967295, 0), ("64_min", 4294967296, 0), ("64_nsec", 1, 100), ("64_max", 17179869183, 999999900),
            ("96_far", 17179869184, 0), ("96_m1", -1, 0), ("96_before_1970", -86400 * 365, 500),
        })
        {
            // DateTime counts 100 ns ticks, so every case here is a whole number of ticks.
            DateTime time = DateTime.UnixEpoch.AddSeconds(seconds).AddTicks(nanoseconds / 100);
            cases["ts_" + name] = ((ref MessagePackWriter w) => w.Write(time), Ts(seconds, nanoseconds),
                (ref MessagePackReader r) => Assert.Equal(time, r.ReadDateTime()));
        }

        return cases;
    }

    /// <summary>A typed value: IpcKit serializes it and deserializes what JavaScript wrote, through MessagePack-CSharp's serializer.</summary>
    private static (WriteAction, JsonNode, Check) Typed<T>(T value, JsonNode expected, MessagePackSerializerOptions options) =>
        ((ref MessagePackWriter w) => MessagePackSerializer.Serialize(ref w, value, options), expected,
            (ref MessagePackReader r) => Assert.Equal(value, MessagePackSerializer.Deserialize<T>(ref r, options)));

    private const string Unicode = "h\u00e9llo \u4e16\u754c \ud83c\udf89";

    private static void WriteNested(ref MessagePackWriter w)
    {
        w.WriteMapHeader(4);
        w.Write("name");
        w.Write("order");
        w.Write("lines");
        w.WriteArrayHeader(6);
        w.Write(1);
        w.Write(-2);
        w.Write(3.5);
        w.WriteNil();
        w.Write(true);
        w.Write("x");
        w.Write("blob");
        w.Write(Bytes(3));
        w.Write("inner");
        w.WriteMapHeader(1);
        w.Write("deep");
        w.WriteArrayHeader(1);
        w.WriteArrayHeader(1);
        w.WriteArrayHeader(0);
    }

    private static JsonObject NestedExpected() => Map(
        ("name", Tag("str", "order")),
        ("lines", Tag("arr", new JsonArray(Num(1), Num(-2), Num(3.5), Tag("nil"), Tag("bool", true), Tag("str", "x")))),
        ("blob", Tag("bin", "000102")),
        ("inner", Map(("deep", Tag("arr", new JsonArray(Tag("arr", new JsonArray(Tag("arr", new JsonArray())))))))));

    private static void CheckNested(ref MessagePackReader r)
    {
        Assert.Equal(4, r.ReadMapHeader());
        Assert.Equal("name", r.ReadString());
        Assert.Equal("order", r.ReadString());
        Assert.Equal("lines", r.ReadString());
        Assert.Equal(6, r.ReadArrayHeader());
        Assert.Equal(1, r.ReadInt32());
        Assert.Equal(-2, r.ReadInt32());
        Assert.Equal(3.5, r.ReadDouble());
        r.ReadNil();
        Assert.True(r.ReadBoolean());
        Assert.Equal("x", r.ReadString());
        Assert.Equal("blob", r.ReadString());
        Assert.Equal(Bytes(3), r.ReadBytes()!.Value.ToArray());
        Assert.Equal("inner", r.ReadString());
        Assert.Equal(1, r.ReadMapHeader());
        Assert.Equal("deep", r.ReadString());
        Assert.Equal(1, r.ReadArrayHeader());
        Assert.Equal(1, r.ReadArrayHeader());
        Assert.Equal(0, r.ReadArrayHeader());
    }

    private static (string, byte[], JsonNode) OrderCase()
    {
        Order order = Order.Sample(3);
        long ticks = order.Created.Ticks - DateTime.UnixEpoch.Ticks;
        JsonNode expected = Tag("arr", new JsonArray(
            Num(order.Id), Tag("str", order.Customer), Ts(ticks / TimeSpan.TicksPerSecond, (uint)(ticks % TimeSpan.TicksPerSecond * 100)),
            Num(order.Price), Num(order.Quantity), Tag("bool", order.IsExpress), Tag("bin", Convert.ToHexStringLower(order.CorrelationId.ToByteArray())),
            Num((int)order.Status), Tag("arr", new JsonArray(order.Tags.Select(t => (JsonNode?)Tag("str", t)).ToArray())),
            Tag("arr", new JsonArray(order.LineItems.Select(i => (JsonNode?)Num(i)).ToArray())),
            order.Discount is { } d ? Num(d) : Tag("nil"), Tag("bin", Convert.ToHexStringLower(order.Signature.Span))));
        return ("order", Encode(order), expected);
    }

    private static byte[] Bytes(int n) => Enumerable.Range(0, n).Select(i => (byte)(i % 256)).ToArray();

    private static JsonObject Tag(string t) => new() { ["t"] = t };

    private static JsonObject Tag(string t, JsonNode? v) => new() { ["t"] = t, ["v"] = v };

    private static JsonObject Num(double value) => Tag("num", value.ToString("R", CultureInfo.InvariantCulture));

    private static JsonObject Ts(long seconds, uint nanoseconds) =>
        new() { ["t"] = "ts", ["sec"] = seconds.ToString(CultureInfo.InvariantCulture), ["nsec"] = nanoseconds };

    private static JsonObject Map(params (string Key, JsonNode Value)[] entries) =>
        Tag("map", new JsonArray(entries.Select(e => (JsonNode?)new JsonArray(e.Key, e.Value)).ToArray()));

    /// <summary>Structural equality, except that numbers tagged "num" compare as doubles (JavaScript and .NET spell some differently).</summary>
    private static bool Matches(JsonNode? expected, JsonNode? actual)
    {
        if (expected is JsonObject e && actual is JsonObject a && (string?)e["t"] == "num" && (string?)a["t"] == "num")
        {
            double x = double.Parse((string)e["v"]!, CultureInfo.InvariantCulture);
            double y = double.Parse((string)a["v"]!, CultureInfo.InvariantCulture);
            return x.Equals(y);
        }

        return (expected, actual) switch
        {
            (JsonObject eo, JsonObject ao) => eo.Count == ao.Count && eo.All(p => ao.ContainsKey(p.Key) && Matches(p.Value, ao[p.Key])),
            (JsonArray ea, JsonArray aa) => ea.Count == aa.Count && ea.Zip(aa).All(p => Matches(p.First, p.Second)),
            _ => JsonNode.DeepEquals(expected, actual),
        };
    }

    private static string Shorten(object? value)
    {
        string text = value is JsonNode node ? node.ToJsonString() : value?.ToString() ?? "null";
        return text.Length <= 200 ? text : new StringBuilder(text, 0, 200, 203).Append("...").ToString();
    }
}
