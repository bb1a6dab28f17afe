using IpcKit.Coordinator.Commands;
using IpcKit.Coordinator.Planning;
using IpcKit.Coordinator.Results;
using IpcKit.Coordinator.Statistics;
using IpcKit.Coordinator.Workloads;
using IpcKit.Protocol;
using IpcKit.Transports;

namespace IpcKit.Coordinator.Tests;

/// <summary>--workers, --shape and --rate (issue 15): the cases they plan, the feed role, and what the report concludes.</summary>
public sealed class ScalingPlanTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    [Fact]
    public void Each_worker_count_and_each_rate_is_a_case_of_its_own_in_the_one_list()
    {
        var unix = TransportRegistry.Default.Get("unix");
        var cases = BenchPlan.CasesOf([unix], [new ThroughputWorkload()], [64, 1024], nativeReference: true, wait: null,
            new Scaling([1, 4], WorkerShape.FanIn, []));
        Assert.Equal([(64, 1), (64, 4), (1024, 1), (1024, 4)], cases.Select(c => (c.Size, c.Workers!.Value)));
        Assert.All(cases, c => Assert.Equal(WorkerRole.Source, c.PeerRole)); // a fan-in's workers stream
        Assert.All(cases, c => Assert.Null(c.Twin)); // the native twin is one closed-loop pair
        Assert.Equal(Enumerable.Range(0, 4), cases.Select(c => c.Index));

        var rates = BenchPlan.CasesOf([unix], [new LatencyWorkload()], [64], false, null, new Scaling([], WorkerShape.Pairs, [1e4, 5e4]));
        Assert.Equal([1e4, 5e4], rates.Select(c => c.OfferedRate!.Value));
        Assert.EndsWith(", at 50k msg/s", rates[1].Label, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("10k,1M,2.5k", new[] { 2500.0, 10000.0, 1e6 })]
    [InlineData("500", new[] { 500.0 })]
    public void Rates_are_read_with_k_and_M(string text, double[] expected) => Assert.Equal(expected, OptionParsing.Rates(text));

    [Theory]
    [InlineData("0")]
    [InlineData("fast")]
    [InlineData("-5k")]
    public void A_bad_rate_is_refused_with_what_would_do(string text) =>
        Assert.Contains("10k,100k,1M", Assert.Throws<UsageException>(() => OptionParsing.Rates(text)).Message, StringComparison.Ordinal);

    [Fact]
    public void A_bad_worker_count_is_refused() =>
        Assert.Contains("1 to 64", Assert.Throws<UsageException>(() => OptionParsing.Workers("2,0")).Message, StringComparison.Ordinal);

    [Fact]
    public async Task A_feed_sends_each_requested_stream_whole_and_stamped()
    {
        var transport = TransportRegistry.Default.Get("channel");
        await using var listener = await transport.ListenAsync(transport.CreateEphemeralEndpoint("/tmp"));
        var accept = listener.AcceptAsync().AsTask();
        using var feed = await transport.ConnectAsync(listener.Endpoint).AsTask().WaitAsync(Deadline);
        using var consumer = (await accept.WaitAsync(Deadline))!;
        var feeding = Task.Run(() => Roles.Feed(feed));

        var request = new byte[Roles.FeedRequestSize];
        foreach (var (count, size) in new[] { (300L, 64), (5L, 4096) })
        {
            Roles.WriteFeedRequest(request, count, size);
            consumer.Send(request.AsSpan());
            var verifier = new StreamVerifier();
            uint flags = 0;
            while ((flags & MessageStamp.LastFlag) == 0)
            {
                var message = await consumer.ReceiveAsync().AsTask().WaitAsync(Deadline);
                Assert.Equal(size, message!.Value.Length);
                flags = verifier.Check(message.Value.Span);
            }

            Assert.Equal((count, 0L, 0L), (verifier.Received, verifier.Corrupted, verifier.Lost));
        }

        consumer.Dispose();
        await feeding.WaitAsync(Deadline);
    }

    [Fact]
    public void Saturation_is_the_first_offered_rate_achieved_below_ninety_percent()
    {
        var notes = ScalingAnalysis.Saturation([Rate(1e4, 9_950), Rate(5e4, 49_000), Rate(1e5, 71_000), Rate(2e5, 70_000)]);
        var note = Assert.Single(notes);
        Assert.Equal((5e4, 1e5), (note.SustainedRate!.Value, note.SaturatedAt!.Value));
        Assert.Contains("saturated at", note.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Oversubscription_says_collapses_when_the_rate_falls_below_half_and_degrades_below_ninety_percent()
    {
        var notes = ScalingAnalysis.Oversubscription(
            [Workers("mmf", 2, 3e6), Workers("mmf", 4, 1e6), Workers("unix", 2, 4e5), Workers("unix", 4, 3e5)], cpus: 2, t => t == "mmf" ? "spins" : "blocks in the kernel");
        Assert.Equal(["collapses", "degrades"], notes.Select(n => n.Verdict));
        Assert.Contains("spins", notes[0].Text, StringComparison.Ordinal);
    }

    private static CaseResult Rate(double offered, double achieved) => new()
    {
        Transport = "unix", Workload = "latency", MessageSize = 64, Operations = 1, Pin = "split", MessagesPerSecond = achieved,
        Integrity = new Integrity(1, 1, 0, 0), OfferedRate = offered, Saturated = achieved < CaseStatistics.SaturationShare * offered,
    };

    private static CaseResult Workers(string transport, int n, double rate) => new()
    {
        Transport = transport, Workload = "throughput", MessageSize = 64, Operations = 1, Pin = "split", MessagesPerSecond = rate,
        Integrity = new Integrity(1, 1, 0, 0), Workers = n, Shape = "pairs",
    };
}
