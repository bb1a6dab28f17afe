using System.CommandLine;
using IpcKit.Coordinator.Commands;
using IpcKit.Coordinator.Exporters;
using IpcKit.Coordinator.Results;
using IpcKit.Coordinator.Statistics;

namespace IpcKit.Coordinator.Tests;

/// <summary>`ipckit compare a.json,b.json c.json,d.json`: each side's files pooled, trial by trial.</summary>
public sealed class PooledCompareTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ipckit-pooled-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Two_files_of_seven_trials_each_put_fourteen_trials_a_side_into_the_Mann_Whitney_test()
    {
        var baseline = Side("baseline", ("base-1.json", SampleReports.Full()), ("base-2.json", CompareTests.Scale(SampleReports.Full(), t => t == "unix", latency: 1.03, rate: 1)));
        var slower = CompareTests.Scale(SampleReports.Full(), t => t == "unix", latency: 1.5, rate: 1);
        var current = Side("current", ("head-1.json", slower), ("head-2.json", CompareTests.Scale(slower, t => t == "unix", latency: 0.98, rate: 1)));

        var comparison = Comparison.Of(baseline, current, absolute: false, threshold: 0.25);

        var pooledRow = Result(current.Report, "unix", "latency", 64);
        Assert.Equal(14, pooledRow.Trials.Count);
        Assert.Equal(14, pooledRow.Reference!.Ratio!.Trials);
        Assert.Equal(14, pooledRow.P50!.Trials);
        Assert.Equal(Enumerable.Range(1, 14), pooledRow.Trials.Select(t => t.Trial));
        // The p-value is the test over all 14 ratios a side: the baseline's moved to the threshold line against the current ones.
        double expected = MannWhitney.TwoSidedP(
            [.. RatiosOf(baseline.Report, "unix", "latency", 64).Select(v => v * 1.25)], RatiosOf(current.Report, "unix", "latency", 64));
        var row = Row(comparison, "unix", "latency", 64);
        Assert.Equal(expected, row.PValue!.Value, 12);
        Assert.True(row.Regressed);
        double single = Row(Comparison.Of(SampleReports.Full(), slower, absolute: false, threshold: 0.25), "unix", "latency", 64).PValue!.Value;
        Assert.True(row.PValue < single / 1000, $"pooled p {row.PValue} against one file's {single}");
        Assert.Matches(@"unix latency 64 \(p50 worse by 4\d\.\d%, p < 0\.0001\)", ComparisonExporter.Verdict(comparison));
        // The figures shown are the pooled trials' medians, computed as a single run's are.
        Assert.Equal(Estimates.Median(RatiosOf(current.Report, "unix", "latency", 64)), row.P50!.Current, 12);
    }

    [Fact]
    public void A_regression_three_trials_cannot_show_is_found_when_three_such_runs_a_side_are_pooled()
    {
        var slower = CompareTests.Scale(SampleReports.Full(), t => t == "tcp", latency: 1.5, rate: 1);
        string[] before = [.. Enumerable.Range(0, 3).Select(k => Write($"base-{k}.json", Slice(SampleReports.Full(), 2 * k)))];
        string[] after = [.. Enumerable.Range(0, 3).Select(k => Write($"head-{k}.json", Slice(slower, 2 * k)))];

        // 3 trials against 3 can never be apart at p < 0.05 (README): one run a side passes.
        Assert.Equal(ExitCodes.Success, Invoke("compare", before[0], after[0], "--fail-on-regression", "25%"));
        Assert.Equal(ExitCodes.Regression, Invoke("compare", string.Join(',', before), string.Join(',', after), "--fail-on-regression", "25%", "--format", "markdown"));

        var comparison = Comparison.Of(Side("baseline", before), Side("current", after), absolute: false, threshold: 0.25);
        Assert.Equal(["tcp latency 64"], comparison.Regressions.Select(r => $"{r.Transport} {r.Workload} {r.MessageSize}"));
        Assert.Contains("tcp latency 64 (p50 worse by 50.0%", ComparisonExporter.Verdict(comparison), StringComparison.Ordinal);
    }

    [Fact]
    public void One_file_a_side_compares_exactly_as_before()
    {
        var slower = CompareTests.Scale(SampleReports.Full(), t => t == "unix", latency: 1.5, rate: 0.9);
        var direct = Comparison.Of(SampleReports.Full(), slower, absolute: false, threshold: 0.25);
        var viaPool = Comparison.Of(Side("baseline", ("a.json", SampleReports.Full())), Side("current", ("b.json", slower)), absolute: false, threshold: 0.25);

        Assert.False(viaPool.Pooled);
        Assert.Equal(ComparisonExporter.Json(direct), ComparisonExporter.Json(viaPool));
        Assert.Equal(ComparisonExporter.Markdown(direct), ComparisonExporter.Markdown(viaPool));
    }

    [Fact]
    public void Files_of_different_pins_are_refused_with_exit_2_and_a_message_naming_both()
    {
        var unpinned = SampleReports.Full() with { Settings = SampleReports.Full().Settings with { Pin = "none" } };
        var e = Assert.Throws<InvalidDataException>(() => Side("baseline", ("a.json", SampleReports.Full()), ("b.json", unpinned)));
        Assert.Contains("The baseline files differ in --pin (a.json: split, b.json: none)", e.Message, StringComparison.Ordinal);

        string a = Write("a.json", SampleReports.Full());
        Assert.Equal(ExitCodes.BadArguments, Invoke("compare", $"{a},{Write("b.json", unpinned)}", a, "--fail-on-regression", "25%"));
    }

    [Fact]
    public void Files_of_different_schema_versions_are_refused_with_exit_2_and_a_message_naming_both()
    {
        var older = SampleReports.Full() with { SchemaVersion = 1 };
        var e = Assert.Throws<InvalidDataException>(() => Side("current", ("new.json", SampleReports.Full()), ("old.json", older)));
        Assert.Contains("The current files differ in schemaVersion (new.json: 2, old.json: 1)", e.Message, StringComparison.Ordinal);
        var ones = Assert.Throws<InvalidDataException>(() => Side("current", ("a.json", older), ("b.json", older)));
        Assert.Contains("keeps no trials", ones.Message, StringComparison.Ordinal);

        string a = Write("a.json", SampleReports.Full());
        Assert.Equal(ExitCodes.BadArguments, Invoke("compare", a, $"{a},{Write("old.json", older)}"));
    }

    [Fact]
    public void A_missing_or_empty_entry_in_a_list_is_a_clear_error()
    {
        string a = Write("a.json", SampleReports.Full());
        string missing = Path.Combine(_dir, "base-2.json");

        var e = Assert.Throws<UsageException>(() => CompareCommand.FilesOf("baseline", $"{a},{missing}"));
        Assert.Equal($"The baseline file {missing} (one of the 2 in '{a},{missing}') does not exist.", e.Message);
        Assert.Contains("empty entry", Assert.Throws<UsageException>(() => CompareCommand.FilesOf("current", $"{a},,{a}")).Message, StringComparison.Ordinal);
        Assert.Contains("is a directory", Assert.Throws<UsageException>(() => CompareCommand.FilesOf("current", _dir)).Message, StringComparison.Ordinal);
        Assert.Contains($"names {a} 2 times", Assert.Throws<UsageException>(() => CompareCommand.FilesOf("current", $"{a},{a}")).Message, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.BadArguments, Invoke("compare", $"{a},{missing}", a));
        Assert.Equal(ExitCodes.BadArguments, Invoke("compare", a, $"{a},"));
    }

    [Fact]
    public void A_single_path_that_holds_a_comma_is_still_one_file()
    {
        string odd = Write("run,1.json", SampleReports.Full());
        Assert.Equal([odd], CompareCommand.FilesOf("baseline", odd));
        Assert.Equal(ExitCodes.Success, Invoke("compare", odd, odd, "--fail-on-regression", "25%"));
    }

    [Fact]
    public void A_row_some_files_lack_is_pooled_from_the_files_that_have_it_and_the_notes_say_so()
    {
        var withoutTcp = SampleReports.Full() with { Results = [.. SampleReports.Full().Results.Where(r => r.Transport != "tcp")] };
        var side = Side("current", ("head-1.json", SampleReports.Full()), ("head-2.json", withoutTcp));

        Assert.Equal(7, Result(side.Report, "tcp", "latency", 64).Trials.Count);
        Assert.Equal(14, Result(side.Report, "unix", "latency", 64).Trials.Count);
        // tcp's trials keep their numbers in the first file; the trials of the second file follow on.
        Assert.Equal(Enumerable.Range(1, 7), Result(side.Report, "tcp", "latency", 64).Trials.Select(t => t.Trial));
        string note = Assert.Single(side.Notes);
        Assert.Contains("tcp latency 64 is in 1 of 2 files (head-1.json)", note, StringComparison.Ordinal);
    }

    [Fact]
    public void Settings_the_files_disagree_on_are_noted_in_every_output()
    {
        var block = SampleReports.Full() with { Settings = SampleReports.Full().Settings with { Wait = "block" } };
        var comparison = Comparison.Of(
            Side("baseline", ("a.json", SampleReports.Full()), ("b.json", block)), Side("current", ("c.json", SampleReports.Full())), absolute: false, threshold: 0.25);

        string note = Assert.Single(comparison.Notes);
        Assert.Equal("Baseline files differ in --wait (a.json: default, b.json: block); their trials are pooled all the same.", note);
        string markdown = ComparisonExporter.Markdown(comparison);
        Assert.Contains("Trials pooled from 2 files (a.json, b.json) (baseline) and c.json (current).", markdown, StringComparison.Ordinal);
        Assert.Contains("- Note: Baseline files differ in --wait", markdown, StringComparison.Ordinal);
        string json = ComparisonExporter.Json(comparison);
        Assert.Contains("\"baselineFiles\": [", json, StringComparison.Ordinal);
        Assert.Contains("their trials are pooled all the same", json, StringComparison.Ordinal);
        var console = new StringWriter();
        ComparisonExporter.Write(Terminal.Plain(console), comparison);
        Assert.Contains("note: Baseline files differ in --wait", console.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_case_that_failed_in_one_run_of_a_side_failed_on_that_side_and_says_in_which_file()
    {
        var crashed = SampleReports.Full() with
        {
            Results = [.. SampleReports.Full().Results.Select(r => r is { Transport: "pipe", Workload: "latency", MessageSize: 64 } ? r with { Error = "worker crashed" } : r)],
        };
        var current = Side("current", ("head-1.json", SampleReports.Full()), ("head-2.json", crashed));

        Assert.Equal("head-2.json: worker crashed", Result(current.Report, "pipe", "latency", 64).Error);
        var comparison = Comparison.Of(Side("baseline", ("base.json", SampleReports.Full())), current, absolute: false, threshold: 0.25);
        Assert.Contains(comparison.Regressions, r => r is { Transport: "pipe", Workload: "latency", MessageSize: 64, Note: "failed in the current result" });
        // A loss counted at the case, not in a trial, still fails the pooled case.
        Assert.True(Result(current.Report, "unix", "request", 0).Failed);
    }

    [Fact]
    public void Rows_of_different_worker_counts_are_different_cases()
    {
        var native = SampleReports.Native("unix", "latency", 64, 5_120, 200_000);
        BenchReport Workers(double slower) => SampleReports.Minimal() with
        {
            Results =
            [
                SampleReports.Latency("unix", 64, p50: 7_000, native: native) with { Workers = 1, Shape = "pairs" },
                CompareTests.Scale(SampleReports.Minimal() with { Results = [SampleReports.Latency("unix", 64, p50: 7_000, native: native) with { Workers = 4, Shape = "pairs" }] },
                    _ => true, latency: slower, rate: 1).Results[0],
            ],
        };

        // One size of a --workers run has a row per count: compared one by one (they once collided and threw).
        var comparison = Comparison.Of(Workers(1), Workers(1.5), absolute: false, threshold: 0.25);
        Assert.Equal(2, comparison.Rows.Count);
        var regression = Assert.Single(comparison.Regressions);
        Assert.Equal((4, "unix latency 64 pairs ×4"), (regression.Workers!.Value, regression.Label));
        Assert.Contains("unix latency 64 pairs ×4 (p50 worse by 50.0%", ComparisonExporter.Verdict(comparison), StringComparison.Ordinal);
        Assert.Equal(2, Side("current", ("a.json", Workers(1)), ("b.json", Workers(1.5))).Report.Results.Count);
    }

    /// <summary>A copy whose cases keep three of their seven trials, from <paramref name="skip"/> on, summarised again.</summary>
    private static BenchReport Slice(BenchReport report, int skip) => report with
    {
        Results = [.. report.Results.Select(r => SampleReports.Recompute(r with { Trials = [.. r.Trials.Skip(skip).Take(3)] }, r.Reference?.Mechanism))],
        Settings = report.Settings with { Trials = 3 },
    };

    private static IReadOnlyList<double> RatiosOf(BenchReport report, string transport, string workload, int size) =>
        [.. Result(report, transport, workload, size).Trials.Select(t => t.Reference!.Ratio!.Value)];

    private static CaseResult Result(BenchReport report, string transport, string workload, int size) =>
        report.Results.Single(r => r.Transport == transport && r.Workload == workload && r.MessageSize == size && r.Workers is null);

    private static ComparisonRow Row(Comparison c, string transport, string workload, int size) =>
        c.Rows.Single(r => r.Transport == transport && r.Workload == workload && r.MessageSize == size);

    private static PooledSide Side(string side, params (string Name, BenchReport Report)[] files) =>
        ResultPool.Pool(side, [.. files.Select(f => new ResultFile(f.Name, f.Report))], _ => null);

    private static PooledSide Side(string side, string[] paths) =>
        ResultPool.Pool(side, [.. paths.Select(p => new ResultFile(p, JsonExporter.Read(File.ReadAllText(p))))], _ => null);

    private string Write(string name, BenchReport report)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllText(path, JsonExporter.Write(report));
        return path;
    }

    private static int Invoke(params string[] args) => new RootCommand { CompareCommand.Create() }.Parse(args).Invoke();
}
