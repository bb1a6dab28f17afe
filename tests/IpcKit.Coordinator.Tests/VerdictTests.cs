using IpcKit.Coordinator.Commands;
using IpcKit.Coordinator.Exporters;
using IpcKit.Coordinator.Exporters.Svg;
using IpcKit.Coordinator.Results;
using IpcKit.Coordinator.Running;
using IpcKit.Coordinator.Statistics;

namespace IpcKit.Coordinator.Tests;

/// <summary>The verdict ranks transports with significance from the trials, sets the in-process baselines apart, and points to the guide.</summary>
public sealed class VerdictTests
{
    private static BenchReport Run(params CaseResult[] results) => SampleReports.Minimal() with { Results = results };

    private static VerdictLine Line(BenchReport report, string workload = "latency", int size = 64) =>
        Verdict.Of(Summary.Of(report)).Lines.Single(l => l.Workload == workload && l.MessageSize == size);

    [Fact]
    public void Transports_are_ranked_best_first_and_a_far_leader_is_said_to_be_so_many_times_faster()
    {
        var line = Line(Run(SampleReports.Latency("unix", 64, 48_000), SampleReports.Latency("mmf", 64, 300), SampleReports.Latency("tcp", 64, 83_000)));

        Assert.Equal(["mmf", "unix", "tcp"], line.Transports.Select(t => t.Transport));
        Assert.Equal([Standing.First, Standing.FarBehind, Standing.Behind], line.Transports.Select(t => t.Standing));
        Assert.Equal("mmf", line.Leader!.Better);
        Assert.Equal("unix", line.Leader.Worse);
        Assert.InRange(line.Leader.Times.Median, 150, 170); // 48,000 ÷ 300 per pair of trials
    }

    [Fact]
    public void Transports_whose_trials_overlap_are_the_same_within_noise_and_no_leader_is_named()
    {
        var line = Line(Run(SampleReports.Latency("pipe", 64, 49_000), SampleReports.Latency("unix", 64, 48_000)));

        Assert.Equal(Standing.Same, line.Transports[1].Standing);
        Assert.Null(line.Leader);
        var paragraph = Assert.Single(VerdictText.Paragraphs(Summary.Of(Run(SampleReports.Latency("pipe", 64, 49_000), SampleReports.Latency("unix", 64, 48_000)))));
        Assert.Contains("unix 48.0 µs ≈ pipe 49.0 µs", paragraph.Ranking, StringComparison.Ordinal);
        Assert.Contains("the same within noise", paragraph.Ranking, StringComparison.Ordinal);
    }

    [Fact]
    public void In_process_baselines_are_ranked_apart_with_what_crossing_the_process_boundary_costs()
    {
        var line = Line(Run(SampleReports.Latency("pipe", 64, 49_000), SampleReports.Latency("thread", 64, 700), SampleReports.Latency("channel", 64, 9_000)));

        Assert.Equal(["pipe"], line.Transports.Select(t => t.Transport));
        Assert.Equal(["thread", "channel"], line.Baselines.Select(t => t.Transport));
        Assert.Equal(("thread", "pipe"), (line.Boundary!.Better, line.Boundary.Worse));
        Assert.InRange(line.Boundary.Times.Median, 65, 75);

        var text = Assert.Single(VerdictText.Paragraphs(Summary.Of(Run(SampleReports.Latency("pipe", 64, 49_000), SampleReports.Latency("thread", 64, 700)))));
        Assert.Equal("pipe 49.0 µs", text.Ranking);
        Assert.Contains(text.Details, d => d.StartsWith("in-process baseline, what threads sharing memory pay: thread 700 ns — thread is 70× faster than pipe", StringComparison.Ordinal));
    }

    [Fact]
    public void Throughput_is_ranked_by_rate_highest_first()
    {
        var line = Line(Run(SampleReports.Throughput("unix", 64, 990_000), SampleReports.Throughput("mmf", 64, 46_000_000)), "throughput");

        Assert.Equal(["mmf", "unix"], line.Transports.Select(t => t.Transport));
        Assert.InRange(line.Leader!.Times.Median, 44, 49);
        var text = VerdictText.Paragraphs(Summary.Of(Run(SampleReports.Throughput("unix", 64, 990_000), SampleReports.Throughput("mmf", 64, 46_000_000))))[0];
        Assert.StartsWith("mmf 46.00 M msg/s ≫ unix 990.0 k msg/s", text.Ranking, StringComparison.Ordinal);
    }

    [Fact]
    public void A_failed_case_or_one_that_lost_messages_is_not_ranked_but_named()
    {
        var lossy = SampleReports.Latency("unix", 64, 5_000) with { Integrity = new Integrity(100, 99, 1, 0) };
        var line = Line(Run(SampleReports.Latency("pipe", 64, 9_000), lossy, SampleReports.Failed("tcp", "latency", 64, "boom")));

        Assert.Equal(["pipe"], line.Transports.Select(t => t.Transport));
        Assert.Equal(["unix", "tcp"], line.Failed);
    }

    [Fact]
    public void Every_verdict_output_points_to_the_guide()
    {
        var report = SampleReports.Full();
        foreach (string format in new[] { "console.txt", "md", "html" })
        {
            string output = Outputs.Formats[format](report);
            Assert.Contains(Verdict.Guide, output, StringComparison.Ordinal);
            Assert.Contains(VerdictText.Title, output, StringComparison.Ordinal);
        }
    }
}

/// <summary>Tables that fit the terminal, charts that stay readable with many series.</summary>
public sealed class LayoutTests
{
    private static readonly string[] Everything = ["pipe", "anon-pipe", "unix", "tcp", "mmf", "file", "thread", "channel", "shared"];

    private static BenchReport AllTransports() => SampleReports.Full() with
    {
        Results =
        [
            .. Everything.Select((t, i) => SampleReports.Latency(t, 65536, 1_000 + 7_919 * i,
                native: i < 5 ? SampleReports.Native("futex-block", "latency", 65536, 900 + 5_000 * i, 100_000) : null)),
            .. Everything.Select((t, i) => SampleReports.Throughput(t, 65536, 10_000 + 123_457.0 * i,
                native: i < 5 ? SampleReports.Native("futex-block", "throughput", 65536, 900, 100_000 + 20_000 * i) : null)),
        ],
    };

    [Fact]
    public void In_100_columns_every_table_line_fits_and_no_figure_is_split()
    {
        var writer = new StringWriter();
        var console = Terminal.Plain(writer);
        console.Profile.Width = 100;
        ConsoleExporter.Write(console, AllTransports());

        var tableLines = writer.ToString().Split('\n').Where(l => l.StartsWith('│') || l.StartsWith('╭') || l.StartsWith('├') || l.StartsWith('╰')).ToList();
        Assert.NotEmpty(tableLines);
        Assert.All(tableLines, l => Assert.True(l.TrimEnd().Length <= 100, $"{l.TrimEnd().Length} columns: {l}"));
        // A wrapped cell would leave a row whose transport cell is empty.
        Assert.DoesNotContain(tableLines, l => l.StartsWith("│           │", StringComparison.Ordinal));
        foreach (string transport in Everything)
        {
            Assert.Contains(tableLines, l => l.StartsWith($"│ {transport} ", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void Columns_are_dropped_lowest_priority_first_and_transport_size_and_p50_never()
    {
        var table = ResultTable.For(Summary.Of(AllTransports()), "latency", ["all"]);
        var (fitted, dropped) = table.Fit(60);

        Assert.True(fitted.Width <= 60 || fitted.Header.Count == 3);
        Assert.Equal(["transport", "size", "p50"], fitted.Header.Take(3));
        Assert.Equal(["max", "mean", "round trips"], dropped.Take(3).Order());
        Assert.Equal(table.Header.Count, fitted.Header.Count + dropped.Count);
    }

    [Fact]
    public void The_compact_table_shows_lost_and_corrupt_only_when_a_row_has_any_and_a_named_list_shows_what_it_names()
    {
        var summary = Summary.Of(SampleReports.Full());
        Assert.DoesNotContain("lost", ResultTable.For(summary, "latency", null).Header);
        Assert.Contains("lost", ResultTable.For(summary, "request", null).Header); // unix lost 2 there
        Assert.Equal(["transport", "size", "p50", "p99", "CPU/op"], ResultTable.For(summary, "latency", ["cpu", "p99"]).Header);
        Assert.Contains("ctx sw/op", ResultTable.For(summary, "latency", ["all"]).Header);
    }

    [Fact]
    public void Bad_column_names_are_refused_with_the_valid_ones()
    {
        var e = Assert.Throws<UsageException>(() => OptionParsing.Columns("p50,speed"));
        Assert.Contains("speed", e.Message, StringComparison.Ordinal);
        Assert.Contains("p99.9", e.Message, StringComparison.Ordinal);
        Assert.Null(OptionParsing.Columns("compact"));
        Assert.Equal(["all"], OptionParsing.Columns("p50,all"));
    }

    [Fact]
    public void The_ratio_scale_is_logarithmic_and_centred_on_one()
    {
        var x = Scale.Centred(3, 100, 500);
        Assert.Equal(300, x[1], 6);
        Assert.Equal(x[2] - x[1], x[1] - x[0.5], 6);
        Assert.Equal(500, x[5], 6); // 3× reach rounds up to 5×
        Assert.Contains(0.2, x.Ticks());
        Assert.Contains(5.0, x.Ticks());
    }

    [Fact]
    public void Every_series_of_a_crowded_chart_has_its_own_colour_and_dash_and_baselines_are_dashed()
    {
        var all = Everything.Concat(["grpc-uds", "jsonrpc-uds", "netmq", "a", "b", "c", "d", "e", "f", "g"]).ToList();
        var styles = all.Select(t => Palette.Of(t, all)).ToList();
        Assert.Equal(all.Count, styles.Distinct().Count());
        Assert.All(Everything, t => Assert.Equal(Palette.Of(t, all), Palette.Of(t, [t]))); // IpcKit's own keep their style whatever else ran
        Assert.All(["thread", "channel", "shared"], t => Assert.Equal(Palette.BaselineDash, Palette.Of(t, all).Dash));
        Assert.All(["pipe", "unix", "mmf"], t => Assert.Null(Palette.Of(t, all).Dash));
        Assert.NotEqual(Palette.Of("pipe", all).Hex, Palette.Of("channel", all).Hex);
    }

    [Fact]
    public void Terminal_bars_are_on_a_log_scale()
    {
        var bars = LogBars.Of([300, 3_000, 30_000], 60);
        Assert.Equal(bars[1] - bars[0], bars[2] - bars[1]);
        Assert.Equal(60, bars[2]);
        Assert.True(bars[0] >= 1);
    }
}
