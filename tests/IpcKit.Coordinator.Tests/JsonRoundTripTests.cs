using System.Collections;
using System.Reflection;
using System.Text.Json;
using IpcKit.Coordinator.Exporters;
using IpcKit.Coordinator.Results;

namespace IpcKit.Coordinator.Tests;

/// <summary>The JSON result reads back into exactly the model it was written from.</summary>
public sealed class JsonRoundTripTests
{
    [Theory]
    [InlineData("full")]
    [InlineData("minimal")]
    [InlineData("reference-missing")]
    public void A_report_survives_a_round_trip_through_json(string name)
    {
        var report = Outputs.Reports[name]();
        var read = JsonExporter.Read(JsonExporter.Write(report));
        AssertDeepEqual(report, read, "report");
        Assert.Equal(JsonExporter.Write(report), JsonExporter.Write(read));
    }

    [Fact]
    public void A_round_trip_under_a_German_culture_keeps_every_number()
    {
        var report = SampleReports.Full();
        var read = Outputs.InCulture("de-DE", () => JsonExporter.Read(JsonExporter.Write(report)));
        AssertDeepEqual(report, read, "report");
    }

    [Fact]
    public void The_native_reference_is_in_the_json_and_absent_where_there_is_none()
    {
        using var json = JsonDocument.Parse(JsonExporter.Write(SampleReports.Full()));
        var root = json.RootElement;
        Assert.Equal(2, root.GetProperty("schemaVersion").GetInt32());
        Assert.Equal("native", root.GetProperty("settings").GetProperty("reference").GetString());
        Assert.True(root.GetProperty("referenceRun").GetProperty("available").GetBoolean());
        var results = root.GetProperty("results").EnumerateArray().ToList();
        var pipe = results.First(r => r.GetProperty("transport").GetString() == "pipe");
        var reference = pipe.GetProperty("reference");
        Assert.Equal("unix", reference.GetProperty("mechanism").GetString());
        var ratio = reference.GetProperty("ratio");
        Assert.InRange(ratio.GetProperty("median").GetDouble(), 1.45, 1.55); // 7680 ÷ 5120, per pair of trials
        Assert.True(ratio.GetProperty("ciLow").GetDouble() < ratio.GetProperty("ciHigh").GetDouble());
        Assert.Equal(7, ratio.GetProperty("trials").GetInt32());
        Assert.Equal(7, pipe.GetProperty("trials").GetArrayLength());
        Assert.True(pipe.GetProperty("trials")[0].GetProperty("reference").TryGetProperty("ratio", out _));
        var thread = results.First(r => r.GetProperty("transport").GetString() == "thread");
        Assert.False(thread.TryGetProperty("reference", out _));
    }

    [Fact]
    public void A_result_written_before_the_reference_existed_still_reads()
    {
        var node = System.Text.Json.Nodes.JsonNode.Parse(JsonExporter.Write(SampleReports.Minimal()))!;
        Assert.True(node["settings"]!.AsObject().Remove("reference"));
        var read = JsonExporter.Read(node.ToJsonString());
        Assert.Equal("none", read.Settings.Reference);
        Assert.Null(read.ReferenceRun);
    }

    [Fact]
    public void A_schema_1_result_with_a_ratio_as_a_number_reads_as_one_trial()
    {
        var node = System.Text.Json.Nodes.JsonNode.Parse(JsonExporter.Write(SampleReports.Full()))!;
        node["schemaVersion"] = 1;
        foreach (var result in node["results"]!.AsArray())
        {
            result!.AsObject().Remove("trials");
            if (result["reference"] is System.Text.Json.Nodes.JsonObject reference && reference["ratio"] is not null)
            {
                reference["ratio"] = 1.5;
            }
        }

        var read = JsonExporter.Read(node.ToJsonString());
        var pipe = read.Results.First(r => r is { Transport: "pipe", Workload: "latency", MessageSize: 64 });
        Assert.Equal(new Estimate(1.5, 1.5, 1.5, 1.5, 1.5, 1), pipe.Reference!.Ratio);
        Assert.Empty(pipe.Trials);
    }

    /// <summary>Structural equality: records property by property, lists element by element, values with Equals.</summary>
    internal static void AssertDeepEqual(object? expected, object? actual, string path)
    {
        if (expected is null || actual is null)
        {
            Assert.True(expected is null && actual is null, $"{path}: {expected ?? "null"} != {actual ?? "null"}");
            return;
        }

        var type = expected.GetType();
        if (type.IsPrimitive || expected is string or decimal or DateTimeOffset or DateTime or Enum)
        {
            Assert.True(expected.Equals(actual), $"{path}: {expected} != {actual}");
            return;
        }

        if (expected is IEnumerable e && actual is IEnumerable a)
        {
            var left = e.Cast<object?>().ToList();
            var right = a.Cast<object?>().ToList();
            Assert.True(left.Count == right.Count, $"{path}: {left.Count} items != {right.Count}");
            for (int i = 0; i < left.Count; i++)
            {
                AssertDeepEqual(left[i], right[i], $"{path}[{i}]");
            }

            return;
        }

        // Lists may come back as another collection type; everything else must be the very same type.
        Assert.True(type == actual.GetType(), $"{path}: type {type.Name} != {actual.GetType().Name}");
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.GetIndexParameters().Length == 0))
        {
            AssertDeepEqual(property.GetValue(expected), property.GetValue(actual), $"{path}.{property.Name}");
        }
    }
}
