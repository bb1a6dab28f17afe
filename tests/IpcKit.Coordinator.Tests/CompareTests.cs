using System.CommandLine;
using IpcKit.Coordinator.Commands;
using IpcKit.Coordinator.Exporters;
using IpcKit.Coordinator.Results;
using IpcKit.Coordinator.Statistics;

namespace IpcKit.Coordinator.Tests;

/// <summary>`ipckit compare`: what counts as a regression, and against what.</summary>
public sealed class CompareTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ipckit-compare-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void A_50_percent_slower_p50_fails_a_25_percent_gate_and_the_verdict_names_it()
    {
        var baseline = SampleReports.Full();
        var current = Scale(baseline, t => t == "unix", latency: 1.5, rate: 1);

        var comparison = Comparison.Of(baseline, current, absolute: false, threshold: 0.25);

        var regressions = comparison.Regressions;
        Assert.Equal(["unix latency 64", "unix latency 65536"], regressions.Select(r => $"{r.Transport} {r.Workload} {r.MessageSize}"));
        Assert.All(regressions, r => Assert.Equal(0.5, r.Worse!.Value, 3));
        string verdict = ComparisonExporter.Verdict(comparison);
        Assert.Contains("unix latency 64 (p50 worse by 50.0%, p = 0.0", verdict, StringComparison.Ordinal);
        Assert.Contains("unix latency 64KiB (p50 worse by 50.0%, p = 0.0", verdict, StringComparison.Ordinal);
    }

    [Fact]
    public void A_change_just_over_the_threshold_is_inconclusive_when_the_trials_cannot_tell_it_from_the_threshold()
    {
        // 30% slower with trials ±4% around it: certainly slower, but not certainly more than 25% slower.
        var baseline = SampleReports.Full();
        var comparison = Comparison.Of(baseline, Scale(baseline, t => t == "unix", latency: 1.3, rate: 1), absolute: false, threshold: 0.25);
        Assert.Empty(comparison.Regressions);
        Assert.All(comparison.Rows.Where(r => r is { Transport: "unix", Workload: "latency" }), r => Assert.True(r.Inconclusive));
        Assert.True(MannWhitney.Apart(
            Summary.TrialValues(Summary.Of(baseline).Rows.First(r => r.Result is { Transport: "unix", Workload: "latency" }), Column.P50),
            Summary.TrialValues(Summary.Of(Scale(baseline, t => t == "unix", latency: 1.3, rate: 1)).Rows.First(r => r.Result is { Transport: "unix", Workload: "latency" }), Column.P50)));
    }

    [Fact]
    public void A_halved_throughput_fails_the_gate_too()
    {
        var baseline = SampleReports.Full();
        var current = Scale(baseline, t => t == "pipe", latency: 1, rate: 0.5);
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
        Assert.StartsWith("No result is significantly worse by more than 25%", ComparisonExporter.Verdict(comparison), StringComparison.Ordinal);
    }

    [Fact]
    public void A_change_over_the_threshold_whose_trials_overlap_is_inconclusive_not_a_regression()
    {
        // Current trials spread wide (0.5× to 2×) around a 30% slower median: worse, but not apart from the baseline.
        var baseline = SampleReports.Full();
        var current = baseline with
        {
            Results = [.. baseline.Results.Select(r => r.Transport != "unix" || r.Workload != "latency" ? r : SampleReports.Recompute(r with
            {
                Trials = [.. r.Trials.Select((t, i) => t with { Latency = t.Latency! with { P50Ns = (long)(r.Latency!.P50Ns * new[] { 0.5, 1.3, 2.0, 0.9, 1.5, 1.1, 1.8 }[i]) } })],
            }, r.Reference?.Mechanism))],
        };
        var comparison = Comparison.Of(baseline, current, absolute: true, threshold: 0.25);
        Assert.Empty(comparison.Regressions);
        var row = Row(comparison, "unix", "latency", 64);
        Assert.True(row.Inconclusive);
        Assert.True(row.PValue > 0.05);
        Assert.Contains("inconclusive", ComparisonExporter.Verdict(comparison), StringComparison.Ordinal);
    }

    [Fact]
    public void Files_with_three_trials_each_can_never_show_a_regression()
    {
        var three = (BenchReport report) => report with { Results = [.. report.Results.Select(r => SampleReports.Recompute(r with { Trials = [.. r.Trials.Take(3)] }, r.Reference?.Mechanism))] };
        var comparison = Comparison.Of(three(SampleReports.Full()), three(Scale(SampleReports.Full(), _ => true, latency: 3, rate: 0.3)), absolute: true, threshold: 0.25);
        Assert.Empty(comparison.Regressions);
        Assert.All(comparison.Rows.Where(r => r.PValue is not null), r => Assert.True(r.PValue >= 0.1));
    }

    [Fact]
    public void A_slower_machine_fails_absolute_comparison_but_not_the_reference_ratios()
    {
        // Everything — IpcKit transports, thread and the native twins — twice as slow: a slower or busier machine.
        var baseline = SampleReports.Full();
        var current = Scale(baseline, _ => true, latency: 2, rate: 0.5, native: true);

        // Rows with a native twin in both files compare their ratios to it, and hold; rows without one (thread,
        // request) can only compare raw figures, and show the slower machine.
        var byReference = Comparison.Of(baseline, current, absolute: false, threshold: 0.25);
        Assert.Contains(byReference.Rows, r => r.Basis == "native unix");
        Assert.All(byReference.Regressions, r => Assert.StartsWith("absolute", r.Basis, StringComparison.Ordinal));
        Assert.DoesNotContain(byReference.Regressions, r => r.Transport is "pipe" or "unix" && r.Workload is "latency");
        var absolute = Comparison.Of(baseline, current, absolute: true, threshold: 0.25);
        Assert.Contains(absolute.Regressions, r => r is { Transport: "pipe", Workload: "latency", MessageSize: 64, Basis: "absolute" });
        Assert.Contains(absolute.Regressions, r => r is { Transport: "pipe", Workload: "throughput" });
    }

    [Fact]
    public void The_reference_is_the_native_twin_when_both_files_have_it_and_otherwise_the_raw_figures()
    {
        var baseline = SampleReports.Full();
        var withoutNative = baseline with { Results = [.. baseline.Results.Select(r => r with { Reference = null })] };

        Assert.Equal("native unix", Row(Comparison.Of(baseline, baseline, false, null), "pipe", "latency", 64).Basis);
        Assert.Equal("absolute (no native twin in both)", Row(Comparison.Of(baseline, withoutNative, false, null), "pipe", "latency", 64).Basis);
        Assert.Equal("absolute (no native twin in both)", Row(Comparison.Of(baseline, baseline, false, null), "thread", "latency", 64).Basis);
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
        string slower = Write("slower.json", Scale(SampleReports.Full(), t => t == "tcp", latency: 1.5, rate: 1));

        Assert.Equal(ExitCodes.Regression, Invoke("compare", baseline, slower, "--fail-on-regression", "25%", "--format", "markdown"));
        Assert.Equal(ExitCodes.Success, Invoke("compare", baseline, slower, "--fail-on-regression", "60%", "--format", "json"));
        Assert.Equal(ExitCodes.Success, Invoke("compare", baseline, slower));
        Assert.Equal(ExitCodes.BadArguments, Invoke("compare", baseline, slower, "--fail-on-regression", "lots"));
        Assert.Equal(ExitCodes.BadArguments, Invoke("compare", baseline, Path.Combine(_dir, "missing.json")));
    }

    [Fact]
    public void Comparison_outputs_match_their_snapshots_in_any_culture()
    {
        var comparison = Comparison.Of(SampleReports.Full(), Scale(SampleReports.Full(), t => t == "unix", latency: 1.5, rate: 0.9), absolute: false, threshold: 0.25);
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
    /// <remarks>Scales each trial (and, with <paramref name="native"/>, each twin trial), then summarises the trials again.</remarks>
    internal static BenchReport Scale(BenchReport report, Func<string, bool> which, double latency, double rate, bool native = false) => report with
    {
        Results = [.. report.Results.Select(r => !which(r.Transport) || r.Failed ? r : SampleReports.Recompute(r with
        {
            Latency = Times(r.Latency, latency),
            Trials = [.. r.Trials.Select(t =>
            {
                var scaled = t with { Latency = Times(t.Latency, latency), MessagesPerSecond = t.MessagesPerSecond * rate };
                var twin = t.Reference is { Error: null } n && native
                    ? n with { P50Ns = (long)Math.Round(n.P50Ns * latency), P99Ns = (long)Math.Round(n.P99Ns * latency), MessagesPerSecond = n.MessagesPerSecond * rate }
                    : t.Reference;
                return scaled with
                {
                    Reference = twin is { Error: null } ? twin with { Ratio = NativeFigures.RatioOf(r.Workload, scaled, twin.P50Ns, twin.MessagesPerSecond) } : twin,
                };
            })],
        }, r.Reference?.Mechanism))],
    };

    private static LatencyStats? Times(LatencyStats? l, double factor) =>
        l is null ? null : l with { P50Ns = (long)Math.Round(l.P50Ns * factor), P99Ns = (long)Math.Round(l.P99Ns * factor) };

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
