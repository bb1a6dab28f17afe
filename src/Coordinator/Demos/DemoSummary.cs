using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace IpcKit.Coordinator.Demos;

/// <summary>One demo as `ipckit demo all` ran it: its result, or null if it failed, and how long it took.</summary>
internal sealed record DemoRun(IDemo Demo, DemoResult? Result, TimeSpan Elapsed);

/// <summary>The end of `ipckit demo all`: one table of every demo, or one JSON document with every result.</summary>
internal sealed class DemoSummary(IReadOnlyList<DemoRun> runs, TimeSpan total)
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public int Held => runs.Count(r => r.Result?.Held == true);

    /// <summary>A summary's first clause is its headline: "Concurrency is not parallelism: two threads ..." gives "Concurrency is not parallelism".</summary>
    public static string Headline(string summary) => summary.Split([':', ';'], 2)[0];

    public void Write(DemoOutput output)
    {
        output.Say("Summary");
        output.Table(
            ["demo", "what it shows", "claim", "seconds"],
            [.. runs.Select(r => new[]
            {
                r.Demo.Name, Headline(r.Demo.Summary), r.Result is null ? "failed" : r.Result.Held ? "held" : "not held",
                r.Elapsed.TotalSeconds.ToString("0.0", CultureInfo.CurrentCulture),
            })],
            textColumns: 2);
        output.Say();
        output.Say($"{Held} of {runs.Count} claims held, in {total.TotalSeconds:0.0} s (load average {DemoKit.LoadAverage()} on {Environment.ProcessorCount} CPUs).");
    }

    /// <summary>{ demos: [every result, with its seconds; a failed one as { demo, failed: true }], held, count, seconds }.</summary>
    public string ToJson()
    {
        var all = new JsonObject
        {
            ["demos"] = new JsonArray([.. runs.Select(r => With(r.Result?.ToJsonObject() ?? new JsonObject { ["demo"] = r.Demo.Name, ["failed"] = true }, r.Elapsed))]),
            ["held"] = Held,
            ["count"] = runs.Count,
            ["seconds"] = Math.Round(total.TotalSeconds, 2),
            ["loadAverage"] = DemoKit.LoadAverage(),
        };
        return all.ToJsonString(Indented);

        static JsonObject With(JsonObject o, TimeSpan elapsed)
        {
            o["seconds"] = Math.Round(elapsed.TotalSeconds, 2);
            return o;
        }
    }
}
