using IpcKit.Coordinator.Results;
using IpcKit.Coordinator.Workloads;
using IpcKit.Transports;

namespace IpcKit.Coordinator.Running;

/// <summary>How the two communicating threads are placed on CPUs.</summary>
internal enum PinMode
{
    /// <summary>Not pinned: the scheduler decides, and may move them between runs (figures swing).</summary>
    None,

    /// <summary>Both on one CPU: a wake-up never crosses CPUs; a spinning peer starves the other.</summary>
    Same,

    /// <summary>On two different CPUs: every wake-up crosses CPUs; what spinning transports need.</summary>
    Split,
}

/// <summary>What `ipckit bench` will run: transports × workloads × sizes, with a budget per case.</summary>
internal sealed record BenchPlan(
    IReadOnlyList<ITransport> Transports,
    IReadOnlyList<Workload> Workloads,
    IReadOnlyList<int> Sizes,
    RunBudget Budget,
    PinMode Pin,
    int CoordinatorCpu,
    int WorkerCpu,
    bool Quick)
{
    /// <summary>The wait strategy for ring transports (mmf, thread): spin, backoff or block; null for their default.</summary>
    public string? Wait { get; init; }

    /// <summary>The ring size in bytes for ring transports (mmf, thread), per direction; null for their default (1 MiB).</summary>
    public long? Capacity { get; init; }

    /// <summary>Where mmf puts its files (--mmf-dir); null for its default, /dev/shm.</summary>
    public string? MmfDirectory { get; init; }

    /// <summary>A fresh endpoint for a case, carrying the options that travel in the endpoint (wait strategy, ring size, mmf directory).</summary>
    public Endpoint EndpointFor(ITransport transport, string scratchDirectory)
    {
        var endpoint = transport.CreateEphemeralEndpoint(scratchDirectory);
        if (MmfDirectory is not null && transport.Scheme == "mmf")
        {
            endpoint = endpoint.WithQueryValue("dir", MmfDirectory);
        }

        if (!RingTransports.Contains(transport.Scheme))
        {
            return endpoint;
        }

        if (Wait is not null)
        {
            endpoint = endpoint.WithQueryValue("wait", Wait);
        }

        return Capacity is { } capacity ? endpoint.WithQueryValue("capacity", capacity.ToString(System.Globalization.CultureInfo.InvariantCulture)) : endpoint;
    }

    /// <summary>Set by --case-timeout.</summary>
    public TimeSpan? CaseTimeoutOverride { get; init; }

    /// <summary>How long one case may take before its worker is declared hung.</summary>
    public TimeSpan CaseTimeout => CaseTimeoutOverride ??
        (Budget.Duration is { } d ? d + Budget.Warmup + TimeSpan.FromSeconds(30) : TimeSpan.FromSeconds(120) + Budget.Warmup);
}
