using IpcKit.Transports;
using IpcKit.Transports.MessagePack;

namespace IpcKit.Samples.RequestReply;

/// <summary>Asks the server for the price of <paramref name="Quantity"/> units of <paramref name="Product"/>.</summary>
internal sealed record QuoteRequest(long Id, string Product, int Quantity);

/// <summary>The answer to the request with the same <paramref name="Id"/>: a total, or an error the caller can show.</summary>
internal sealed record QuoteReply(long Id, double Total, string? Error);

/// <summary>
/// The formatters both sides use. Nothing on the wire names a type: a message is a MessagePack array whose fields are
/// in the order written here, so both programs must agree on these formatters (as they do on a schema).
/// </summary>
internal static class Wire
{
    public static MessagePackSerializerOptions Options { get; } = MessagePackSerializerOptions.Default
        .WithFormatter(new QuoteRequestFormatter())
        .WithFormatter(new QuoteReplyFormatter());

    private static void ExpectFields(ref MessagePackReader reader, int expected, string what)
    {
        long start = reader.Consumed;
        int count = reader.ReadArrayHeader();
        if (count != expected)
        {
            throw new MessagePackException(start, $"a {what} has {expected} fields, not {count}.");
        }
    }

    private sealed class QuoteRequestFormatter : IMessagePackFormatter<QuoteRequest?>
    {
        public void Serialize(ref MessagePackWriter writer, QuoteRequest? value, MessagePackSerializerOptions options)
        {
            if (value is null)
            {
                writer.WriteNil();
                return;
            }

            writer.WriteArrayHeader(3);
            writer.Write(value.Id);
            writer.Write(value.Product);
            writer.Write(value.Quantity);
        }

        public QuoteRequest? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
        {
            if (reader.TryReadNil())
            {
                return null;
            }

            ExpectFields(ref reader, 3, nameof(QuoteRequest));
            long id = reader.ReadInt64();
            string product = reader.ReadString() ?? throw new MessagePackException(reader.Consumed, "a QuoteRequest needs a product.");
            return new QuoteRequest(id, product, reader.ReadInt32());
        }
    }

    private sealed class QuoteReplyFormatter : IMessagePackFormatter<QuoteReply?>
    {
        public void Serialize(ref MessagePackWriter writer, QuoteReply? value, MessagePackSerializerOptions options)
        {
            if (value is null)
            {
                writer.WriteNil();
                return;
            }

            writer.WriteArrayHeader(3);
            writer.Write(value.Id);
            writer.Write(value.Total);
            writer.Write(value.Error);
        }

        public QuoteReply? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
        {
            if (reader.TryReadNil())
            {
                return null;
            }

            ExpectFields(ref reader, 3, nameof(QuoteReply));
            return new QuoteReply(reader.ReadInt64(), reader.ReadDouble(), reader.ReadString());
        }
    }
}
