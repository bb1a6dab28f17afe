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
    private static BenchPlan Plan(RingWait? wait, long? capacity) =>
        new([], new RunBudget(100, null, TimeSpan.Zero), 5, PinMode.None, 0, -1, Quick: false) { Wait = wait, Capacity = capacity };

    [Fact]
    public void Ring_transports_get_the_wait_and_the_capacity_in_their_endpoint()
    {
        var endpoint = Plan(RingWait.Spin, 8 << 20).EndpointFor(new MmfTransport(), "/tmp");
        Assert.Equal("spin", endpoint.GetQueryValue("wait"));
        Assert.Equal("8388608", endpoint.GetQueryValue("capacity"));
    }

    [Fact]
    public void Without_the_options_ring_endpoints_keep_the_transport_defaults()
    {
        var endpoint = Plan(null, null).EndpointFor(new MmfTransport(), "/tmp");
        Assert.Null(endpoint.GetQueryValue("wait"));
        Assert.Null(endpoint.GetQueryValue("capacity"));
    }

    [Fact]
    public void Other_transports_are_not_given_ring_options()
    {
        var endpoint = Plan(RingWait.Spin, 8 << 20).EndpointFor(new NamedPipeTransport(), Path.GetTempPath());
        Assert.Empty(endpoint.Query);
    }

    [Fact]
    public void The_mmf_directory_goes_into_mmf_endpoints_only()
    {
        var plan = Plan(null, null) with { MmfDirectory = "/run/ipckit-shm" };
        Assert.Equal("/run/ipckit-shm", plan.EndpointFor(new MmfTransport(), "/tmp").GetQueryValue("dir"));
        Assert.Null(plan.EndpointFor(new Transports.InProcess.ThreadTransport(), "/tmp").GetQueryValue("dir"));
        Assert.Empty(plan.EndpointFor(new NamedPipeTransport(), Path.GetTempPath()).Query);
    }
}
