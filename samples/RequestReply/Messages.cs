using MessagePack;

namespace IpcKit.Samples.RequestReply;

// The messages both programs exchange: attributed types, serialized by MessagePack-CSharp with no formatter to write.
// [Key(n)] puts the fields in a MessagePack array in key order, so both sides must agree on the keys (as they would on
// a schema); adding a field with a new key at the end keeps older readers working. Nothing on the wire names a type.
// MessagePack-CSharp builds formatters for public types only, hence public here.

/// <summary>Asks the server for the price of <paramref name="Quantity"/> units of <paramref name="Product"/>.</summary>
[MessagePackObject]
public sealed record QuoteRequest([property: Key(0)] long Id, [property: Key(1)] string Product, [property: Key(2)] int Quantity);

/// <summary>The answer to the request with the same <paramref name="Id"/>: a total, or an error the caller can show.</summary>
[MessagePackObject]
public sealed record QuoteReply([property: Key(0)] long Id, [property: Key(1)] double Total, [property: Key(2)] string? Error);
