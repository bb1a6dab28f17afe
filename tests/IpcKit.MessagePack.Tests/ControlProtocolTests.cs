using IpcKit.Protocol;
using IpcKit.Transports;
using MessagePack;
using static IpcKit.MessagePack.Tests.Support;

namespace IpcKit.MessagePack.Tests;

/// <summary>The coordinator–worker control messages: attributed types that round-trip, and bounded, clear decoding.</summary>
public class ControlProtocolTests
{
    public static TheoryData<ControlMessage> Messages => new()
    {
        new ConfigureMessage(WorkerRole.Reply, "unix:///tmp/x.sock", 64, 1000, -1),
        new ReadyMessage(4242, 1),
        new ResultMessage(10, 1, 2, new ProcessCounters(1_000_000, 2_000, 3, 4)),
        new ErrorMessage("IOException", "the pipe broke"),
        new CountersRequest(),
        new CountersMessage(new ProcessCounters(5, 6, 7, 8)),
    };

    [Theory]
    [MemberData(nameof(Messages))]
    public void Every_control_message_round_trips(ControlMessage message)
    {
        Assert.Equal(message, ControlMessage.Read(Frame(message)));
    }

    [Theory]
    [MemberData(nameof(Messages))]
    public void Every_truncation_of_a_control_message_is_a_protocol_violation(ControlMessage message)
    {
        byte[] frame = Frame(message);
        for (int length = 0; length < frame.Length; length++)
        {
            Assert.Throws<ProtocolViolationException>(() => ControlMessage.Read(frame.AsMemory(0, length)));
        }
    }

    [Fact]
    public void A_control_message_is_a_union_of_its_key_and_a_map_keyed_by_property_name()
    {
        byte[] frame = Frame(new ReadyMessage(7, -1));
        Assert.Equal("920182a3506964" + "07" + "a3437075" + "ff", Convert.ToHexStringLower(frame));
    }

    [Fact]
    public void Keys_a_reader_does_not_know_are_skipped()
    {
        byte[] frame = Write((ref MessagePackWriter w) =>
        {
            w.WriteArrayHeader(2);
            w.Write(1);
            w.WriteMapHeader(3);
            w.Write("Pid");
            w.Write(7);
            w.Write("FromANewerWorker");
            w.WriteArrayHeader(2);
            w.Write("nested");
            w.WriteMapHeader(0);
            w.Write("Cpu");
            w.Write(2);
        });
        Assert.Equal(new ReadyMessage(7, 2), ControlMessage.Read(frame));
    }

    public static TheoryData<byte[], string> Invalid => new()
    {
        { Union(9), "unknown type" },
        { FromHex("c0"), "unknown type" },
        { Union(0, ("Role", 99), ("Endpoint", "unix:///x")), "unknown role 99" },
        { Union(0, ("Role", 0)), "lacks the endpoint" },
        { Union(3, ("Kind", "x")), "lacks its kind or message" },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public void Invalid_control_messages_say_what_is_wrong(byte[] frame, string expected)
    {
        ProtocolViolationException ex = Assert.Throws<ProtocolViolationException>(() => ControlMessage.Read(frame));
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Garbage_and_deep_nesting_on_the_control_channel_are_protocol_violations_not_crashes()
    {
        Assert.Throws<ProtocolViolationException>(() => ControlMessage.Read(FromHex("c1")));
        Assert.Throws<ProtocolViolationException>(() => ControlMessage.Read(FromHex("92 01 81 a3506964 07 00")));

        // An unknown key's value is skipped without recursing, however deep; fields not sent read as 0.
        byte[] deepUnknownKey = [0x92, 0x01, 0x81, 0xa1, (byte)'x', .. Enumerable.Repeat((byte)0x91, 200_000), 0xc0];
        Assert.Equal(new ReadyMessage(0, 0), ControlMessage.Read(deepUnknownKey));
        byte[] deepEndpoint = [0x92, 0x00, 0x81, 0xa8, .. "Endpoint"u8, .. Enumerable.Repeat((byte)0x91, 20), 0xc0];
        Assert.Throws<ProtocolViolationException>(() => ControlMessage.Read(deepEndpoint));
    }

    /// <summary>A control frame written by hand: the union key, then a map of the given fields.</summary>
    private static byte[] Union(int key, params (string Name, object Value)[] fields) => Write((ref MessagePackWriter w) =>
    {
        w.WriteArrayHeader(2);
        w.Write(key);
        w.WriteMapHeader(fields.Length);
        foreach ((string name, object value) in fields)
        {
            w.Write(name);
            if (value is int i)
            {
                w.Write(i);
            }
            else
            {
                w.Write((string)value);
            }
        }
    });

    private static byte[] Frame(ControlMessage message)
    {
        var buffer = new ArrayBufferWriter<byte>();
        message.WriteTo(buffer);
        return buffer.WrittenSpan.ToArray();
    }
}
