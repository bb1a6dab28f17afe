using IpcKit.Coordinator.Commands;
using IpcKit.Coordinator.Planning;
using IpcKit.Coordinator.Running;
using IpcKit.Coordinator.Workloads;
using IpcKit.Transports;
using IpcKit.Transports.NamedPipes;
using IpcKit.Transports.SharedMemory;

namespace IpcKit.Coordinator.Tests;

/// <summary>What a bench plan puts into each case's endpoint.</summary>
public sealed class BenchPlanTests
{
    private static BenchPlan Plan(RingWait? wait, long? capacity, params int[] sizes) =>
        new(BenchPlan.CasesOf([new MmfTransport()], [new ThroughputWorkload()], sizes.Length == 0 ? [64] : sizes, nativeReference: false, wait),
            new RunBudget(100, null, TimeSpan.Zero), 5, PinMode.None, 0, -1, Quick: false) { Wait = wait, Capacity = capacity };

    [Fact]
    public void Ring_transports_get_the_wait_and_the_capacity_in_their_endpoint()
    {
        var endpoint = Plan(RingWait.Spin, 8 << 20).EndpointFor(new MmfTransport(), "/tmp");
        Assert.Equal("spin", endpoint.GetQueryValue("wait"));
        Assert.Equal("8388608", endpoint.GetQueryValue("capacity"));
    }

    [Fact]
    public void Without_the_option_ring_endpoints_get_a_ring_sized_from_the_largest_message()
    {
        var endpoint = Plan(null, null, 64, 1 << 20).EndpointFor(new MmfTransport(), "/tmp");
        Assert.Null(endpoint.GetQueryValue("wait"));
        Assert.Equal((8 << 20).ToString(System.Globalization.CultureInfo.InvariantCulture), endpoint.GetQueryValue("capacity"));
    }

    [Theory]
    [InlineData(64, 4 << 20)]               // at least the transports' 4 MiB default
    [InlineData(65536, 4 << 20)]
    [InlineData((1 << 20) - 16, 4 << 20)]   // a record of 1 MiB - 8 and the 8 bytes kept free after it fill a quarter of 4 MiB
    [InlineData((1 << 20) - 11, 8 << 20)]   // one byte more, padded to 8: needs the next power of two
    [InlineData(1 << 20, 8 << 20)]
    [InlineData(3 << 20, 16 << 20)]
    [InlineData(64 << 20, 16 << 20)]        // at most 16 MiB: larger messages stream through in pieces
    public void A_default_ring_carries_the_largest_message_whole_within_bounds(int largest, long expected) =>
        Assert.Equal(expected, BenchPlan.RingCapacityFor(largest));

    [Fact]
    public void Other_transports_are_not_given_ring_options()
    {
        var endpoint = Plan(RingWait.Spin, 8 << 20).EndpointFor(new NamedPipeTransport(), Path.GetTempPath());
        Assert.Empty(endpoint.Query);
    }

    [Fact]
    public void Zero_copy_switches_the_throughput_workload_to_claims_and_is_refused_where_nothing_can_use_it()
    {
        var plan = BenchCommand.BuildPlan(Parse("bench", "-t", "mmf,tcp", "-w", "latency,throughput", "--zero-copy"));
        Assert.True(plan.ZeroCopy);
        Assert.True(Assert.Single(plan.Workloads.OfType<ThroughputWorkload>()).ZeroCopy);
        Assert.False(BenchCommand.BuildPlan(Parse("bench", "-t", "mmf", "-w", "throughput")).Workloads.OfType<ThroughputWorkload>().Single().ZeroCopy);
        var error = Assert.Throws<UsageException>(() => BenchCommand.BuildPlan(Parse("bench", "-t", "tcp", "-w", "throughput", "--zero-copy")));
        Assert.Contains("ring transports", error.Message, StringComparison.Ordinal);
        Assert.Throws<UsageException>(() => BenchCommand.BuildPlan(Parse("bench", "-t", "mmf", "-w", "latency", "--zero-copy")));
    }

    private static System.CommandLine.ParseResult Parse(params string[] args) =>
        new System.CommandLine.RootCommand { BenchCommand.Create() }.Parse(args);

    [Fact]
    public void The_mmf_directory_goes_into_mmf_endpoints_only()
    {
        var plan = Plan(null, null) with { MmfDirectory = "/run/ipckit-shm" };
        Assert.Equal("/run/ipckit-shm", plan.EndpointFor(new MmfTransport(), "/tmp").GetQueryValue("dir"));
        Assert.Null(plan.EndpointFor(new Transports.InProcess.ThreadTransport(), "/tmp").GetQueryValue("dir"));
        Assert.Empty(plan.EndpointFor(new NamedPipeTransport(), Path.GetTempPath()).Query);
    }
}
