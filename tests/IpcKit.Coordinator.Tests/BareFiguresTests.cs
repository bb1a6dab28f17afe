using IpcKit.Coordinator.Results;
using IpcKit.Coordinator.Statistics;

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

    /// <summary>A request result whose trials have these p50s, in round order.</summary>
    private static CaseResult Request(string transport, params long[] p50s)
    {
        var r = Request(transport, p50s[0]);
        var trials = p50s.Select((p50, i) => r.Trials[0] with { Trial = i + 1, Latency = r.Latency! with { P50Ns = p50 } }).ToList();
        return SampleReports.Recompute(r with { Trials = trials }, null);
    }

    [Fact]
    public void A_peer_gets_its_p50_and_cpu_over_its_own_carrier()
    {
        var results = BareRatios.AddTo([Request("unix", 10_000), Request("tcp", 20_000), Request("grpc-uds", 250_000), Request("grpc-tcp", 300_000)], CarrierOf);

        var uds = results[2].Bare!;
        Assert.Equal("unix", uds.Transport);
        Assert.Equal(10_000, uds.P50Ns);
        Assert.Equal(25.0, uds.Ratio!.Median, 2);
        Assert.Equal(results[2].Trials.Count, uds.Ratio.Trials); // every trial of the sample, paired with the carrier's of its round
        // The sample's CPU time is the same per trial, so per request it scales with the trial's length: 25 times fewer requests.
        // (Within 0.5: the sample splits its requests over the trials in whole numbers.)
        Assert.InRange(uds.CpuRatio!.Median, 24.5, 25.5);

        var tcp = results[3].Bare!;
        Assert.Equal("tcp", tcp.Transport);
        Assert.Equal(15.0, tcp.Ratio!.Median, 2);
    }

    [Fact]
    public void The_ratio_is_taken_per_pair_of_trials_of_the_same_round()
    {
        // A slow round slows both alike: paired, the framework costs 10 times every round, with no spread at all.
        var results = BareRatios.AddTo([Request("unix", 10_000, 20_000, 10_000, 20_000, 10_000), Request("jsonrpc-uds", 100_000, 200_000, 100_000, 200_000, 100_000)], CarrierOf);
        var ratio = results[1].Bare!.Ratio!;
        Assert.Equal(10.0, ratio.Median, 9);
        Assert.Equal(10.0, ratio.Min, 9);
        Assert.Equal(10.0, ratio.Max, 9);
    }

    [Fact]
    public void A_peer_whose_carrier_was_not_run_is_set_against_unix_and_without_either_against_nothing()
    {
        var withUnix = BareRatios.AddTo([Request("unix", 10_000), Request("grpc-tcp", 300_000)], CarrierOf);
        Assert.Equal("unix", withUnix[1].Bare!.Transport);
        Assert.Equal(30.0, withUnix[1].Bare!.Ratio!.Median, 2);

        var alone = BareRatios.AddTo([Request("grpc-tcp", 300_000)], CarrierOf);
        Assert.Null(alone[0].Bare);
    }

    [Fact]
    public void Transports_failed_rows_and_other_workloads_get_no_bare_figures()
    {
        var results = BareRatios.AddTo(
            [Request("unix", 10_000), Request("tcp", 20_000), SampleReports.Failed("grpc-uds", "request", 0, "no server"), SampleReports.Latency("grpc-uds", 64, 5_000)],
            CarrierOf);
        Assert.All(results, r => Assert.Null(r.Bare));

        var failedBare = BareRatios.AddTo([SampleReports.Failed("unix", "request", 0, "died"), Request("jsonrpc-uds", 200_000)], CarrierOf);
        Assert.Null(failedBare[1].Bare);
    }

    [Fact]
    public void The_summary_takes_the_bare_transport_as_a_peer_rows_reference()
    {
        var results = BareRatios.AddTo([Request("unix", 10_000), Request("jsonrpc-uds", 200_000)], CarrierOf);
        var report = SampleReports.Full() with { Results = results };
        var row = Summary.Of(report).RowsOf("request", 0).Single(r => r.Result.Transport == "jsonrpc-uds");
        Assert.True(row.Baseline!.IsBare);
        Assert.Equal("bare unix", row.Baseline.Label);
        Assert.Equal(20.0, row.Baseline.Ratio!.Median, 2);
    }

    /// <summary>Latency results with these trial p50s, in round order.</summary>
    private static CaseResult RoundTrip(string transport, int size, params long[] p50s)
    {
        var r = SampleReports.Latency(transport, size, p50s[0]);
        var trials = p50s.Select((p50, i) => r.Trials[0] with { Trial = i + 1, Latency = r.Latency! with { P50Ns = p50 } }).ToList();
        return SampleReports.Recompute(r with { Trials = trials }, null);
    }

    [Fact]
    public void A_typed_request_over_an_IpcKit_transport_is_set_against_its_smallest_raw_round_trip_of_the_same_rounds()
    {
        var results = BareRatios.AddTo(
            [RoundTrip("unix", 65536, 40_000, 80_000, 40_000), RoundTrip("unix", 64, 10_000, 20_000, 10_000), RoundTrip("tcp", 64, 30_000, 30_000, 30_000),
             Request("unix", 12_000, 24_000, 12_000), Request("mmf", 2_000, 2_000, 2_000)],
            CarrierOf);

        var raw = results[3].Raw!;
        Assert.Equal("unix", raw.Transport);
        Assert.Equal(64, raw.MessageSize);
        Assert.Equal(10_000, raw.P50Ns);
        // Paired by round, the slow second round cancels out: 1.2 every round, no spread.
        Assert.Equal(1.2, raw.Ratio!.Median, 9);
        Assert.Equal(1.2, raw.Ratio.Max, 9);
        Assert.Null(results[3].Bare);
        // mmf ran no latency case: nothing to set it against; latency rows themselves get nothing.
        Assert.Null(results[4].Raw);
        Assert.All(results.Take(3), r => Assert.Null(r.Raw));

        var row = Summary.Of(SampleReports.Full() with { Results = results }).RowsOf("request", 0).Single(r => r.Result.Transport == "unix");
        Assert.Equal(ReferenceKind.Raw, row.Baseline!.Kind);
        Assert.Equal("raw 64 B round trip", row.Baseline.Label);
    }
}
