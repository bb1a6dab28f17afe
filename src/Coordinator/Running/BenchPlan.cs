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

    /// <summary>The ring size in bytes for ring transports (mmf, thread), per direction, as given with --capacity; null when not given.</summary>
    public long? Capacity { get; init; }

    /// <summary>
    /// The ring size the ring transports and their native twins use: --capacity, or else one sized from the plan's
    /// largest message (<see cref="RingCapacityFor"/>).
    /// </summary>
    public long RingCapacity => Capacity ?? RingCapacityFor(Sizes.Count == 0 ? 0 : Sizes.Max());

    /// <summary>--zero-copy: the one-way stream writes each message in place in ring transports (<see cref="IZeroCopySender"/>), and so does the native twin.</summary>
    public bool ZeroCopy { get; init; }

    /// <summary>Smallest ring a bench gives: 4 MiB, the transports' default, where 64 B and 64 KiB streams reach their native twin's rate.</summary>
    public const long MinDefaultRingCapacity = 4L << 20;

    /// <summary>Largest ring a bench gives unasked: 16 MiB, 32 MiB of /dev/shm per connection.</summary>
    public const long MaxDefaultRingCapacity = 16L << 20;

    /// <summary>
    /// The smallest power of two that carries <paramref name="largestMessage"/> whole (a quarter of the ring holds its
    /// record: 4-byte header, padded to 8), so that it is written once and received in place; at least
    /// <see cref="MinDefaultRingCapacity"/>, at most <see cref="MaxDefaultRingCapacity"/> (larger messages stream through in pieces).
    /// </summary>
    public static long RingCapacityFor(int largestMessage)
    {
        long need = 4 * (((long)largestMessage + 4 + 7) & ~7L);
        return Math.Clamp((long)System.Numerics.BitOperations.RoundUpToPowerOf2((ulong)Math.Max(need, 1)), MinDefaultRingCapacity, MaxDefaultRingCapacity);
    }

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

        return endpoint.WithQueryValue("capacity", RingCapacity.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>Set by --case-timeout.</summary>
    public TimeSpan? CaseTimeoutOverride { get; init; }

    /// <summary>How long one case may take before its worker is declared hung.</summary>
    public TimeSpan CaseTimeout => CaseTimeoutOverride ??
        (Budget.Duration is { } d ? d + Budget.Warmup + TimeSpan.FromSeconds(30) : TimeSpan.FromSeconds(120) + Budget.Warmup);
}
