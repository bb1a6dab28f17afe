using IpcKit.Coordinator.Results;

namespace IpcKit.Coordinator.Tests;

/// <summary>The figures exporters show but results do not hold: best marks, references and ratios.</summary>
public sealed class SummaryTests
{
    [Fact]
    public void The_best_figure_of_each_column_is_marked_per_workload_and_size()
    {
        var summary = Summary.Of(SampleReports.Full());
        var latency64 = summary.RowsOf("latency", 64).ToList();
        Assert.Equal("thread", Assert.Single(latency64, r => r.IsBest(Column.P50)).Result.Transport);
        var throughput64k = summary.RowsOf("throughput", 65536).ToList();
        Assert.Equal("thread", Assert.Single(throughput64k, r => r.IsBest(Column.Rate)).Result.Transport);
        Assert.Empty(summary.RowsOf("latency", 65536).Single(r => r.Result.Failed).Best);
    }

    [Fact]
    public void A_row_with_a_native_twin_is_put_against_it_and_the_others_against_thread()
    {
        var summary = Summary.Of(SampleReports.Full());
        var pipe = summary.RowsOf("latency", 64).Single(r => r.Result.Transport == "pipe");
        Assert.Equal(BaselineKind.Native, pipe.Baseline!.Kind);
        Assert.Equal(7680.0 / 5120, pipe.Baseline.Ratio!.Value, 9);

        var request = summary.RowsOf("request", 0).Single(r => r.Result.Transport == "pipe");
        Assert.Null(request.Baselines.GetValueOrDefault(BaselineKind.Native));
        Assert.Equal(BaselineKind.Fastest, request.Baseline!.Kind); // no thread row for request in the sample

        var thread = summary.RowsOf("latency", 64).Single(r => r.Result.Transport == "thread");
        Assert.True(thread.Baseline is { Kind: BaselineKind.Thread, IsSelf: true });

        var failedNative = summary.RowsOf("throughput", 65536).Single(r => r.Result.Transport == "tcp");
        Assert.Equal(BaselineKind.Thread, failedNative.Baseline!.Kind);
        Assert.Equal(30_010.0 / 190_000, failedNative.Baseline.Ratio!.Value, 9);
    }

    [Fact]
    public void Without_native_or_thread_the_fastest_transport_of_the_size_is_the_reference()
    {
        var report = SampleReports.Minimal() with
        {
            Results = [SampleReports.Latency("pipe", 64, 8_000), SampleReports.Latency("tcp", 64, 10_000), SampleReports.Throughput("pipe", 64, 500_000), SampleReports.Throughput("tcp", 64, 1_000_000)],
        };
        var summary = Summary.Of(report);
        var tcpLatency = summary.RowsOf("latency", 64).Single(r => r.Result.Transport == "tcp").Baseline!;
        Assert.Equal(("pipe", 1.25), (tcpLatency.Name, tcpLatency.Ratio!.Value));
        var pipeRate = summary.RowsOf("throughput", 64).Single(r => r.Result.Transport == "pipe").Baseline!;
        Assert.Equal(("tcp", 0.5), (pipeRate.Name, pipeRate.Ratio!.Value));
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
