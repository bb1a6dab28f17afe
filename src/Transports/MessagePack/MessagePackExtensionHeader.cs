namespace IpcKit.Transports.MessagePack;

/// <summary>The header of an extension value: its type code and the length of the payload that follows.</summary>
/// <param name="TypeCode">The extension type: 0 to 127 for applications, -128 to -1 reserved by the specification (-1 is the timestamp).</param>
/// <param name="Length">The length of the payload in bytes.</param>
public readonly record struct MessagePackExtensionHeader(sbyte TypeCode, int Length);
