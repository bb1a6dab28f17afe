using IpcKit.Coordinator.Results;
using IpcKit.Coordinator.Statistics;

namespace IpcKit.Coordinator.Tests;

/// <summary>The figures exporters show but results do not hold: best marks only where significant, native ratios.</summary>
public sealed class SummaryTests
{
    [Fact]
    public void The_best_figure_of_each_column_is_marked_per_workload_and_size_when_its_trials_are_apart()
    {
        var summary = Summary.Of(SampleReports.Full());
        var latency64 = summary.RowsOf("latency", 64).ToList();
        Assert.Equal("thread", Assert.Single(latency64, r => r.IsBest(Column.P50)).Result.Transport);
        var throughput64k = summary.RowsOf("throughput", 65536).ToList();
        Assert.Equal("thread", Assert.Single(throughput64k, r => r.IsBest(Column.Rate)).Result.Transport);
        Assert.Empty(summary.RowsOf("latency", 65536).Single(r => r.Result.Failed).Best);
    }

    [Fact]
    public void Figures_the_same_within_noise_get_no_best_mark()
    {
        // unix and pipe 2% apart, each spread ±4% over its trials: their trials interleave, so neither is best.
        var report = SampleReports.Minimal() with { Results = [SampleReports.Latency("pipe", 64, 10_000), SampleReports.Latency("unix", 64, 10_200)] };
        Assert.All(Summary.Of(report).Rows, r => Assert.False(r.IsBest(Column.P50)));
    }

    [Fact]
    public void A_single_trial_can_never_be_called_best()
    {
        var one = (CaseResult r) => r with { Trials = [r.Trials[0]] };
        var report = SampleReports.Minimal() with { Results = [one(SampleReports.Latency("pipe", 64, 10_000)), one(SampleReports.Latency("unix", 64, 50_000))] };
        Assert.All(Summary.Of(report).Rows, r => Assert.Empty(r.Best));
    }

    [Fact]
    public void A_row_with_a_native_twin_is_put_against_it_and_the_others_have_no_reference()
    {
        var summary = Summary.Of(SampleReports.Full());
        var pipe = summary.RowsOf("latency", 64).Single(r => r.Result.Transport == "pipe");
        Assert.Equal("native unix", pipe.Baseline!.Label);
        Assert.InRange(pipe.Baseline.Ratio!.Median, 1.45, 1.55); // 7680 ÷ 5120, each pair of trials off by a few %
        Assert.True(pipe.Baseline.Ratio.CiLow < pipe.Baseline.Ratio.Median && pipe.Baseline.Ratio.Median < pipe.Baseline.Ratio.CiHigh);

        Assert.Null(summary.RowsOf("request", 0).Single(r => r.Result.Transport == "pipe").Baseline);
        Assert.Null(summary.RowsOf("latency", 64).Single(r => r.Result.Transport == "thread").Baseline);
        Assert.Null(summary.RowsOf("throughput", 65536).Single(r => r.Result.Transport == "tcp").Baseline); // its twin failed
    }

    [Fact]
    public void Cpu_and_context_switches_per_operation_add_both_processes()
    {
        var r = SampleReports.Latency("pipe", 64, 1_000) with { Operations = 1000, Cpu = new CpuUsage(new ProcessCpu(1, 2, 300, 0), new ProcessCpu(3, 4, 500, 200)) };
        var row = Summary.Of(SampleReports.Minimal() with { Results = [r] }).Rows[0];
        Assert.Equal(10 * 1e6 / 1000, row.CpuPerOpNs);
        Assert.Equal(1.0, row.SwitchesPerOp);
    }
}
