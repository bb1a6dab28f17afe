using System.Text.Json;
using IpcKit.Coordinator.Demos;

namespace IpcKit.Demos.Tests;

public sealed class DemoSummaryTests
{
    private static DemoSummary Sample() => new(
        [
            new DemoRun(DemoCatalog.Find("parallel")!, new DemoResult("parallel", "c", true, "Held: x.", new()), TimeSpan.FromSeconds(1.25)),
            new DemoRun(DemoCatalog.Find("gil")!, new DemoResult("gil", "c", false, "Did not hold: y.", new()), TimeSpan.FromSeconds(2)),
            new DemoRun(DemoCatalog.Find("leak")!, null, TimeSpan.FromSeconds(0.5)),
        ],
        TimeSpan.FromSeconds(3.75));

    [Fact]
    public void The_summary_table_has_a_row_per_demo_with_its_headline_verdict_and_seconds_and_a_count_of_claims_held()
    {
        var lines = new List<string>();
        Sample().Write(new DemoOutput(lines.Add));

        Assert.Equal("Summary", lines[0]);
        Assert.Matches(@"^  demo\s+what it shows\s+claim\s+seconds$", lines[1]);
        Assert.Matches(@"^  parallel\s+Concurrency is not parallelism\s+held\s+1[.,]3$", lines[2]);
        Assert.Matches(@"^  gil\s+A global lock serializes threads\s+not held\s+2[.,]0$", lines[3]);
        Assert.Matches(@"^  leak\s+Thread leaks\s+failed\s+0[.,]5$", lines[4]);
        Assert.StartsWith("1 of 3 claims held, in 3", lines[^1], StringComparison.Ordinal);
    }

    [Fact]
    public void The_summary_as_json_holds_every_result_with_its_seconds_and_marks_a_failed_demo()
    {
        using var json = JsonDocument.Parse(Sample().ToJson());
        var root = json.RootElement;
        var demos = root.GetProperty("demos").EnumerateArray().ToList();

        Assert.Equal(["parallel", "gil", "leak"], demos.Select(d => d.GetProperty("demo").GetString()));
        Assert.True(demos[0].GetProperty("held").GetBoolean());
        Assert.Equal("Did not hold: y.", demos[1].GetProperty("verdict").GetString());
        Assert.True(demos[2].GetProperty("failed").GetBoolean());
        Assert.Equal(1.25, demos[0].GetProperty("seconds").GetDouble());
        Assert.Equal(1, root.GetProperty("held").GetInt32());
        Assert.Equal(3, root.GetProperty("count").GetInt32());
        Assert.Equal(3.75, root.GetProperty("seconds").GetDouble());
    }
}
