using System.Text.Json;
using System.Text.Json.Serialization;
using IpcKit.Coordinator.Results;

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
    };

    public static string Write(BenchReport report) => JsonSerializer.Serialize(report, Options);

    public static BenchReport Read(string json) =>
        JsonSerializer.Deserialize<BenchReport>(json, Options) ?? throw new JsonException("The file holds no result.");
}
