using System.Text.Json;
using System.Text.Json.Serialization;
using IpcKit.Coordinator.Results;
using IpcKit.Coordinator.Statistics;

namespace IpcKit.Coordinator.Exporters;

/// <summary>The machine-readable result (docs/json-schema.md). JSON numbers are culture-free by construction.</summary>
internal static class JsonExporter
{
    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        Converters = { new EstimateConverter() },
    };

    public static string Write(BenchReport report) => JsonSerializer.Serialize(report, Options);

    public static BenchReport Read(string json) =>
        JsonSerializer.Deserialize<BenchReport>(json, Options) ?? throw new JsonException("The file holds no result.");
}

/// <summary>
/// Reads an <see cref="Estimate"/> from its object, or from a plain number as schema version 1 wrote a ratio (one
/// figure, no trials): an estimate of one trial. Writes the object.
/// </summary>
internal sealed class EstimateConverter : JsonConverter<Estimate>
{
    private static readonly JsonSerializerOptions Plain = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public override Estimate? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.Number)
        {
            double value = reader.GetDouble();
            return new Estimate(value, value, value, value, value, 1);
        }

        return JsonSerializer.Deserialize<Estimate>(ref reader, Plain);
    }

    public override void Write(Utf8JsonWriter writer, Estimate value, JsonSerializerOptions options) =>
        JsonSerializer.Serialize(writer, value, Plain);
}
