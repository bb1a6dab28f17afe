using IpcKit.Coordinator.Results;

namespace IpcKit.Coordinator.Tests;

/// <summary>A framework peer's request row set against the bare transport it rides on, from the same run.</summary>
public sealed class BareFiguresTests
{
    private static string? CarrierOf(string name) => name switch
    {
        "grpc-uds" or "jsonrpc-uds" => "unix",
        "grpc-tcp" => "tcp",
        _ => null,
    };

    private static CaseResult Request(string transport, long p50) => SampleReports.Latency(transport, 0, p50, workload: "request");

    [Fact]
    public void A_peer_gets_its_p50_and_cpu_over_its_own_carrier()
    {
        var results = BareFigures.AddTo([Request("unix", 10_000), Request("tcp", 20_000), Request("grpc-uds", 250_000), Request("grpc-tcp", 300_000)], CarrierOf);

        var uds = results[2].Bare!;
        Assert.Equal("unix", uds.Transport);
        Assert.Equal(10_000, uds.P50Ns);
        Assert.Equal(25.0, uds.Ratio!.Value, 9);
        // The sample's CPU time is the same per case, so per request it scales with the case's length: 25 times fewer requests.
        Assert.Equal(Summary.CpuPerOp(results[2])!.Value / Summary.CpuPerOp(results[0])!.Value, uds.CpuRatio!.Value, 9);

        var tcp = results[3].Bare!;
        Assert.Equal("tcp", tcp.Transport);
        Assert.Equal(15.0, tcp.Ratio!.Value, 9);
    }

    [Fact]
    public void A_peer_whose_carrier_was_not_run_is_set_against_unix_and_without_either_against_nothing()
    {
        var withUnix = BareFigures.AddTo([Request("unix", 10_000), Request("grpc-tcp", 300_000)], CarrierOf);
        Assert.Equal("unix", withUnix[1].Bare!.Transport);
        Assert.Equal(30.0, withUnix[1].Bare!.Ratio!.Value, 9);

        var alone = BareFigures.AddTo([Request("grpc-tcp", 300_000)], CarrierOf);
        Assert.Null(alone[0].Bare);
    }

    [Fact]
    public void Transports_failed_rows_and_other_workloads_get_no_bare_figures()
    {
        var results = BareFigures.AddTo(
            [Request("unix", 10_000), Request("tcp", 20_000), SampleReports.Failed("grpc-uds", "request", 0, "no server"), SampleReports.Latency("grpc-uds", 64, 5_000)],
            CarrierOf);
        Assert.All(results, r => Assert.Null(r.Bare));

        var failedBare = BareFigures.AddTo([SampleReports.Failed("unix", "request", 0, "died"), Request("jsonrpc-uds", 200_000)], CarrierOf);
        Assert.Null(failedBare[1].Bare);
    }

    [Fact]
    public void The_summary_takes_the_bare_transport_as_a_peer_rows_reference()
    {
        var results = BareFigures.AddTo([Request("unix", 10_000), Request("jsonrpc-uds", 200_000)], CarrierOf);
        var report = SampleReports.Full() with { Results = results };
        var row = Summary.Of(report).RowsOf("request", 0).Single(r => r.Result.Transport == "jsonrpc-uds");
        Assert.Equal(BaselineKind.Bare, row.Baseline!.Kind);
        Assert.Equal("bare unix", row.Baseline.Label);
        Assert.Equal(20.0, row.Baseline.Ratio!.Value, 9);
    }
}
