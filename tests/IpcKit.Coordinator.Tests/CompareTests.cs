using System.CommandLine;
using IpcKit.Coordinator.Commands;
using IpcKit.Coordinator.Exporters;
using IpcKit.Coordinator.Results;

namespace IpcKit.Coordinator.Tests;

/// <summary>`ipckit compare`: what counts as a regression, and against what.</summary>
public sealed class CompareTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ipckit-compare-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void A_30_percent_slower_p50_fails_a_25_percent_gate_and_the_verdict_names_it()
    {
        var baseline = SampleReports.Full();
        var current = Scale(baseline, t => t == "unix", latency: 1.3, rate: 1);

        var comparison = Comparison.Of(baseline, current, absolute: false, threshold: 0.25);

        var regressions = comparison.Regressions;
        Assert.Equal(["unix latency 64", "unix latency 65536"], regressions.Select(r => $"{r.Transport} {r.Workload} {r.MessageSize}"));
        Assert.All(regressions, r => Assert.Equal(0.3, r.Worse!.Value, 6));
        string verdict = ComparisonExporter.Verdict(comparison);
        Assert.Contains("unix latency 64 (p50 worse by 30.0%)", verdict, StringComparison.Ordinal);
        Assert.Contains("unix latency 64KiB (p50 worse by 30.0%)", verdict, StringComparison.Ordinal);
    }

    [Fact]
    public void A_30_percent_lower_throughput_fails_the_gate_too()
    {
        var baseline = SampleReports.Full();
        var current = Scale(baseline, t => t == "pipe", latency: 1, rate: 0.7);
        var regressions = Comparison.Of(baseline, current, absolute: false, threshold: 0.25).Regressions;
        Assert.Equal(["pipe throughput 64", "pipe throughput 65536"], regressions.Select(r => $"{r.Transport} {r.Workload} {r.MessageSize}"));
    }

    [Fact]
    public void Noise_under_the_threshold_passes()
    {
        var baseline = SampleReports.Full();
        var current = Scale(Scale(baseline, t => t is "pipe" or "tcp", latency: 1.2, rate: 0.85), t => t == "unix", latency: 0.9, rate: 1.1);
        var comparison = Comparison.Of(baseline, current, absolute: false, threshold: 0.25);
        Assert.Empty(comparison.Regressions);
        Assert.Contains(comparison.Rows, r => r.Worse is > 0.19 and < 0.21);
        Assert.StartsWith("No result is worse by more than 25%", ComparisonExporter.Verdict(comparison), StringComparison.Ordinal);
    }

    [Fact]
    public void A_slower_machine_fails_absolute_comparison_but_not_the_reference_ratios()
    {
        // Everything — IpcKit transports, thread and the native twins — twice as slow: a slower or busier machine.
        var baseline = SampleReports.Full();
        var current = Scale(baseline, _ => true, latency: 2, rate: 0.5, native: true);

        Assert.Empty(Comparison.Of(baseline, current, absolute: false, threshold: 0.25).Regressions);
        var absolute = Comparison.Of(baseline, current, absolute: true, threshold: 0.25);
        Assert.Contains(absolute.Regressions, r => r is { Transport: "pipe", Workload: "latency", MessageSize: 64, Basis: "absolute" });
        Assert.Contains(absolute.Regressions, r => r is { Transport: "pipe", Workload: "throughput" });
    }

    [Fact]
    public void The_reference_is_the_first_kind_both_files_have_native_then_thread_then_fastest()
    {
        var baseline = SampleReports.Full();
        var withoutNative = baseline with { Results = [.. baseline.Results.Select(r => r with { Reference = null })] };
        var withoutThread = withoutNative with { Results = [.. withoutNative.Results.Where(r => r.Transport != "thread")] };

        Assert.Equal("native unix", Row(Comparison.Of(baseline, baseline, false, null), "pipe", "latency", 64).Basis);
        Assert.Equal("thread", Row(Comparison.Of(baseline, withoutNative, false, null), "pipe", "latency", 64).Basis);
        Assert.Equal("fastest: unix", Row(Comparison.Of(baseline, withoutThread, false, null), "pipe", "latency", 64).Basis); // thread is only in the baseline
        Assert.Equal("the reference itself", Row(Comparison.Of(baseline, withoutNative, false, 0.25), "thread", "latency", 64).Note);
    }

    [Fact]
    public void A_case_that_fails_now_is_a_regression_and_one_only_in_one_file_is_not()
    {
        var baseline = SampleReports.Full();
        var current = baseline with
        {
            Results = [.. baseline.Results.Where(r => r.Transport != "tcp").Select(r => r is { Transport: "pipe", Workload: "latency", MessageSize: 64 } ? r with { Error = "worker crashed" } : r)],
        };
        var comparison = Comparison.Of(baseline, current, absolute: false, threshold: 0.25);
        var regression = Assert.Single(comparison.Regressions);
        Assert.Equal(("pipe", "failed in the current result"), (regression.Transport, regression.Note));
        Assert.Equal("only in the baseline", Row(comparison, "tcp", "latency", 64).Note);
    }

    [Fact]
    public void The_compare_command_exits_5_on_a_regression_and_0_without()
    {
        string baseline = Write("baseline.json", SampleReports.Full());
        string slower = Write("slower.json", Scale(SampleReports.Full(), t => t == "tcp", latency: 1.3, rate: 1));

        Assert.Equal(ExitCodes.Regression, Invoke("compare", baseline, slower, "--fail-on-regression", "25%", "--format", "markdown"));
        Assert.Equal(ExitCodes.Success, Invoke("compare", baseline, slower, "--fail-on-regression", "35%", "--format", "json"));
        Assert.Equal(ExitCodes.Success, Invoke("compare", baseline, slower));
        Assert.Equal(ExitCodes.BadArguments, Invoke("compare", baseline, slower, "--fail-on-regression", "lots"));
        Assert.Equal(ExitCodes.BadArguments, Invoke("compare", baseline, Path.Combine(_dir, "missing.json")));
    }

    [Fact]
    public void Comparison_outputs_match_their_snapshots_in_any_culture()
    {
        var comparison = Comparison.Of(SampleReports.Full(), Scale(SampleReports.Full(), t => t == "unix", latency: 1.3, rate: 0.9), absolute: false, threshold: 0.25);
        foreach (string culture in new[] { "en-US", "de-DE" })
        {
            Snapshot.Match("compare.md", Outputs.InCulture(culture, () => ComparisonExporter.Markdown(comparison)));
            Snapshot.Match("compare.json", Outputs.InCulture(culture, () => ComparisonExporter.Json(comparison)));
            Snapshot.Match("compare.console.txt", Outputs.InCulture(culture, () =>
            {
                var writer = new StringWriter();
                ComparisonExporter.Write(Terminal.Plain(writer), comparison);
                return writer.ToString();
            }));
        }
    }

    /// <summary>A copy with the chosen transports' times multiplied by <paramref name="latency"/> and rates by <paramref name="rate"/>.</summary>
    internal static BenchReport Scale(BenchReport report, Func<string, bool> which, double latency, double rate, bool native = false) => report with
    {
        Results = [.. report.Results.Select(r => !which(r.Transport) ? r : r with
        {
            Latency = r.Latency is { } l ? l with { P50Ns = (long)Math.Round(l.P50Ns * latency), P99Ns = (long)Math.Round(l.P99Ns * latency) } : null,
            MessagesPerSecond = r.MessagesPerSecond * rate,
            Reference = native && r.Reference is { } n
                ? n with { P50Ns = (long)Math.Round(n.P50Ns * latency), P99Ns = (long)Math.Round(n.P99Ns * latency), MessagesPerSecond = n.MessagesPerSecond * rate }
                : r.Reference,
        })],
    };

    private static ComparisonRow Row(Comparison c, string transport, string workload, int size) =>
        c.Rows.Single(r => r.Transport == transport && r.Workload == workload && r.MessageSize == size);

    private string Write(string name, BenchReport report)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllText(path, JsonExporter.Write(report));
        return path;
    }

    private static int Invoke(params string[] args) => new RootCommand { CompareCommand.Create() }.Parse(args).Invoke();
}
