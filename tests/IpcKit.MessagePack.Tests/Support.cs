using System.Buffers;
using IpcKit.Transports;
using IpcKit.Transports.MessagePack;
using MessagePack;

namespace IpcKit.MessagePack.Tests;

/// <summary>Writes with MessagePack-CSharp's <see cref="MessagePackWriter"/> in a lambda.</summary>
internal delegate void WriteAction(ref MessagePackWriter writer);

/// <summary>Reads with MessagePack-CSharp's <see cref="MessagePackReader"/> in a lambda.</summary>
internal delegate void Check(ref MessagePackReader reader);

internal static class Support
{
    public static byte[] Write(WriteAction action)
    {
        var buffer = new ArrayBufferWriter<byte>();
        var writer = new MessagePackWriter(buffer);
        action(ref writer);
        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>What IpcKit sends for <paramref name="value"/>: the bytes of one typed message.</summary>
    public static byte[] Encode<T>(T value, MessagePackSerializerOptions? options = null) =>
        MessagePackSerializer.Serialize(value, options ?? MessagePackFrames.DefaultOptions);

    public static byte[] FromHex(string hex) => Convert.FromHexString(hex.Replace(" ", "", StringComparison.Ordinal));

    /// <summary>Asserts that the frame is rejected as a protocol violation, the error IpcKit raises for bad input.</summary>
    public static ProtocolViolationException AssertRejected<T>(byte[] frame, MessagePackSerializerOptions? options = null) =>
        Assert.Throws<ProtocolViolationException>(() => MessagePackFrames.Read<T>(frame, options));

    public static ProtocolViolationException AssertRejected<T>(string hex, MessagePackSerializerOptions? options = null) =>
        AssertRejected<T>(FromHex(hex), options);
}
