using IpcKit.Coordinator.Exporters;
using IpcKit.Coordinator.Results;
using IpcKit.Coordinator.Planning;
using IpcKit.Coordinator.Running;
using IpcKit.Coordinator.Statistics;
using IpcKit.Transports;

namespace IpcKit.Coordinator.Tests;

/// <summary>Which transport has which native twin, and reading ipckit-native's JSON line.</summary>
public sealed class NativeReferenceTests
{
    [Theory]
    [InlineData("pipe", null, "unix")]
    [InlineData("anon-pipe", null, "pipe")]
    [InlineData("unix", null, "unix")]
    [InlineData("tcp", null, "tcp")]
    [InlineData("mmf", "spin", "shm-spin")]
    [InlineData("mmf", "block", "futex-block")]
    [InlineData("mmf", "backoff", "futex")]
    [InlineData("mmf", null, "futex")]
    [InlineData("thread", "spin", null)]
    [InlineData("file", null, null)]
    public void Each_transport_has_the_native_twin_of_its_mechanism(string transport, string? wait, string? twin) =>
        Assert.Equal(twin, NativeTwins.Of(transport, wait is null ? null : Enum.Parse<RingWait>(wait, ignoreCase: true)));

    [Fact]
    public void The_native_json_line_is_read_into_figures()
    {
        const string line = """{"tool":"ipckit-native","mechanism":"unix","workload":"latency","messageSize":64,"operations":2000,"pin":"none","p50Ns":5386,"p90Ns":5883,"p99Ns":6342,"p999Ns":2902802,"maxNs":3419138,"meanNs":10613.8,"messagesPerSecond":94216.8,"bytesPerSecond":12059747.9,"sent":2000,"received":2000,"lost":0,"corrupted":0,"warmup":200,"cpus":""}""";
        var figures = Outputs.InCulture("de-DE", () => NativeTool.Parse("ipckit-native: note\n" + line + "\n"));
        Assert.Equal(new NativeFigures { Mechanism = "unix", Operations = 2000, P50Ns = 5386, P99Ns = 6342, MessagesPerSecond = 94216.8, BytesPerSecond = 12059747.9 }, figures);
    }

    [Fact]
    public void A_native_run_that_lost_messages_is_not_a_reference()
    {
        const string line = """{"mechanism":"tcp","operations":10,"p50Ns":1,"p99Ns":2,"messagesPerSecond":1.5,"bytesPerSecond":3,"lost":1,"corrupted":0}""";
        Assert.Contains("lost 1", NativeTool.Parse(line).Error, StringComparison.Ordinal);
    }

    [Fact]
    public void The_ratio_is_p50_over_native_p50_for_latency_and_rate_over_native_rate_for_throughput()
    {
        var trial = new TrialResult { Trial = 1, Operations = 1, Integrity = new Integrity(1, 1, 0, 0), Latency = new LatencyStats(7_500, 0, 0, 0, 0, 0, 0, 1), MessagesPerSecond = 500_000 };
        Assert.Equal(1.5, NativeFigures.RatioOf("latency", trial, 5_000, 1));
        Assert.Equal(0.25, NativeFigures.RatioOf("throughput", trial, 5_000, 2_000_000));
        Assert.Null(NativeFigures.RatioOf("latency", trial, 0, 1));
    }
}

/// <summary>The memcpy line: ring transports' one-way throughput as a share of memcpy measured in the same run.</summary>
public sealed class MemcpyLineTests
{
    [Fact]
    public void The_headline_gives_memcpy_and_each_ring_stream_as_a_share_of_it()
    {
        var report = SampleReports.Minimal() with
        {
            Settings = SampleReports.Settings(["mmf", "pipe"], ["throughput"], "native"),
            Results = [SampleReports.Throughput("mmf", 1 << 20, 10_000), SampleReports.Throughput("pipe", 1 << 20, 3_000)],
            ReferenceRun = new ReferenceRun { Kind = "native", Available = true, Memcpy = [new MemcpyFigure(1 << 20, 20_000.0 * (1 << 20))] },
        };

        var line = Assert.Single(Headline.Reference(Summary.Of(report)), l => l.StartsWith("memcpy", StringComparison.Ordinal));
        Assert.Contains("1MiB 19.53 GiB/s", line, StringComparison.Ordinal);
        Assert.Contains("mmf 1MiB 50%", line, StringComparison.Ordinal);
        Assert.DoesNotContain("pipe", line, StringComparison.Ordinal);
    }
}
