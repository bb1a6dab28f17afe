using System.Diagnostics;
using System.Globalization;
using IpcKit.Coordinator.Results;
using IpcKit.Coordinator.Running;
using IpcKit.Coordinator.Workloads;
using IpcKit.Transports;

namespace IpcKit.Coordinator.Planning;

/// <summary>
/// How long a case measures and how long each trial may warm up. <see cref="Iterations"/> and <see cref="Duration"/>
/// are the whole case's, split evenly across its trials (<see cref="PerTrial"/>).
/// </summary>
/// <param name="Iterations">Operations to measure, or null to measure for <paramref name="Duration"/>.</param>
/// <param name="Duration">Time to measure when no operation count is given.</param>
/// <param name="WarmupCap">The longest a trial warms up while its rate has not settled (see <see cref="SteadyState"/>).</param>
internal sealed record RunBudget(long? Iterations, TimeSpan? Duration, TimeSpan WarmupCap)
{
    /// <summary>The share of one trial of <paramref name="trials"/>: at least one operation, at least 10 ms.</summary>
    public RunBudget PerTrial(int trials) => this with
    {
        Iterations = Iterations is { } n ? Math.Max(1, (n + trials - 1) / trials) : null,
        Duration = Duration is { } d ? TimeSpan.FromTicks(Math.Max(TimeSpan.FromMilliseconds(10).Ticks, d.Ticks / trials)) : null,
    };

    /// <summary>True while more operations are due, given how many were done and when measuring started.</summary>
    public bool More(long done, long startTimestamp) =>
        Iterations is { } n ? done < n : Stopwatch.GetElapsedTime(startTimestamp) < Duration!.Value;
}

/// <summary>
/// One case of a plan: a transport, a workload and a message size. The plan's list of these is the only list of cases:
/// the runner, the progress display and the reference all take them from there.
/// </summary>
/// <param name="Index">Its position in the plan (cases run in this order within each trial round).</param>
/// <param name="Transport">The transport under test.</param>
/// <param name="Workload">What drives it.</param>
/// <param name="Size">The message size in bytes (<see cref="RequestWorkload.NominalSize"/> for the request workload).</param>
/// <param name="Twin">The native mechanism measured next to each trial with --reference native, or null.</param>
internal sealed record PlannedCase(int Index, ITransport Transport, Workload Workload, int Size, string? Twin)
{
    public string Scheme => Transport.Scheme;

    /// <summary>
    /// With --workers: how many peers (worker processes, or threads for in-process transports) run at once, each with a
    /// connection of its own; null for the classic case of one peer.
    /// </summary>
    public int? Workers { get; init; }

    /// <summary>How the <see cref="Workers"/> talk (--shape); pairs when --workers was not given.</summary>
    public WorkerShape Shape { get; init; } = WorkerShape.Pairs;

    /// <summary>With --rate: the offered load in messages per second (open loop); null for closed loop.</summary>
    public double? OfferedRate { get; init; }

    /// <summary>The number of peers: <see cref="Workers"/>, or 1.</summary>
    public int PeerCount => Workers ?? 1;

    /// <summary>What the peers do: a fan-in's workers stream (source); otherwise the workload's role.</summary>
    public Protocol.WorkerRole PeerRole => Shape == WorkerShape.FanIn ? Protocol.WorkerRole.Source : Workload.WorkerRole;

    /// <summary>The peer is a thread of this process (thread, channel, shared), not a worker process.</summary>
    public bool InProcess => Transport is IInProcessTransport;

    /// <summary>A ring transport (mmf, thread): takes --wait and --capacity, and its stream is set against memcpy.</summary>
    public bool IsRing => RingTransports.Contains(Scheme);

    /// <summary>What people read for the case: "unix: latency, 64".</summary>
    public string Label => $"{Scheme}: {Workload.Name}, {Format.Size(Size)}"
        + (Workers is { } n ? $", {Shapes.Name(Shape)} ×{n}" : "")
        + (OfferedRate is { } r ? $", at {Shapes.Rate(r)} msg/s" : "");
}

/// <summary>How several workers talk at once (--shape).</summary>
internal enum WorkerShape
{
    /// <summary>N independent pairs, each driven by a coordinator thread of its own.</summary>
    Pairs,

    /// <summary>N workers stream to one listener that one consumer drains.</summary>
    FanIn,

    /// <summary>One producer feeds N workers.</summary>
    FanOut,
}

/// <summary>The names of <see cref="WorkerShape"/> on the command line and in results.</summary>
internal static class Shapes
{
    public static string Name(WorkerShape shape) => shape switch
    {
        WorkerShape.FanIn => "fan-in",
        WorkerShape.FanOut => "fan-out",
        _ => "pairs",
    };

    public static WorkerShape? Parse(string text) => text.Trim().ToLowerInvariant() switch
    {
        "pairs" => WorkerShape.Pairs,
        "fan-in" or "fanin" => WorkerShape.FanIn,
        "fan-out" or "fanout" => WorkerShape.FanOut,
        _ => null,
    };

    /// <summary>A rate as people write it: 500, 10k, 2.5M.</summary>
    public static string Rate(double rate) => rate switch
    {
        >= 1e6 => (rate / 1e6).ToString("0.##", CultureInfo.InvariantCulture) + "M",
        >= 1e3 => (rate / 1e3).ToString("0.##", CultureInfo.InvariantCulture) + "k",
        _ => rate.ToString("0.##", CultureInfo.InvariantCulture),
    };
}

/// <summary>
/// What `ipckit bench` will run: the cases, each measured <see cref="Trials"/> times, interleaved round-robin (trial 1
/// of every case, then trial 2 of every case …), with the placement and ring settings every case shares.
/// </summary>
internal sealed record BenchPlan(
    IReadOnlyList<PlannedCase> Cases,
    RunBudget Budget,
    int Trials,
    PinMode Pin,
    int CoordinatorCpu,
    int WorkerCpu,
    bool Quick)
{
    /// <summary>The wait strategy for ring transports (mmf, thread); null for their default (backoff).</summary>
    public RingWait? Wait { get; init; }

    /// <summary>The ring size in bytes for ring transports (mmf, thread), per direction, as given with --capacity; null when not given.</summary>
    public long? Capacity { get; init; }

    /// <summary>
    /// The ring size the ring transports and their native twins use: --capacity, or else one sized from the plan's
    /// largest message (<see cref="RingCapacityFor"/>).
    /// </summary>
    public long RingCapacity => Capacity ?? RingCapacityFor(Sizes.Count == 0 ? 0 : Sizes.Max());

    /// <summary>--zero-copy: the one-way stream writes each message in place in ring transports (<see cref="IZeroCopySender"/>), and so does the native twin.</summary>
    public bool ZeroCopy { get; init; }

    /// <summary>Where mmf puts its files (--mmf-dir); null for its default, /dev/shm.</summary>
    public string? MmfDirectory { get; init; }

    /// <summary>Smallest ring a bench gives: 4 MiB, the transports' default, where 64 B and 64 KiB streams reach their native twin's rate.</summary>
    public const long MinDefaultRingCapacity = 4L << 20;

    /// <summary>Largest ring a bench gives unasked: 16 MiB, 32 MiB of /dev/shm per connection.</summary>
    public const long MaxDefaultRingCapacity = 16L << 20;

    /// <summary>
    /// The smallest power of two that carries <paramref name="largestMessage"/> whole (a quarter of the ring holds its
    /// record, 4-byte header and padding to 8, and the 8 bytes the ring keeps free after a record), so that it is written once and received in place; at least
    /// <see cref="MinDefaultRingCapacity"/>, at most <see cref="MaxDefaultRingCapacity"/> (larger messages stream through in pieces).
    /// </summary>
    public static long RingCapacityFor(int largestMessage)
    {
        long need = 4 * ((((long)largestMessage + 4 + 7) & ~7L) + 8);
        return Math.Clamp((long)System.Numerics.BitOperations.RoundUpToPowerOf2((ulong)Math.Max(need, 1)), MinDefaultRingCapacity, MaxDefaultRingCapacity);
    }

    /// <summary>Whether each trial is paired with a trial of its native twin (--reference native).</summary>
    public bool NativeReference { get; init; }

    /// <summary>What --reference asked for, as the result file records it: "thread,native", "native", "thread" or "none".</summary>
    public string Reference { get; init; } = "none";

    /// <summary>How workers are started: on this machine, or on another host with --remote (docs/remote.md).</summary>
    public IWorkerLauncher Launcher { get; init; } = LocalWorkerLauncher.Instance;

    /// <summary>Set by --case-timeout.</summary>
    public TimeSpan? CaseTimeoutOverride { get; init; }

    /// <summary>The budget of one trial: the case's, split across the trials.</summary>
    public RunBudget TrialBudget => Budget.PerTrial(Trials);

    /// <summary>How long one trial may take (warm-up included) before its worker is declared hung.</summary>
    public TimeSpan CaseTimeout => CaseTimeoutOverride ??
        (TrialBudget.Duration is { } d ? d + Budget.WarmupCap + TimeSpan.FromSeconds(30) : TimeSpan.FromSeconds(120) + Budget.WarmupCap);

    public IReadOnlyList<ITransport> Transports => [.. Cases.Select(c => c.Transport).Distinct()];

    public IReadOnlyList<Workload> Workloads => [.. Cases.Select(c => c.Workload).Distinct()];

    public IReadOnlyList<int> Sizes => [.. Cases.Where(c => c.Workload.UsesMessageSize).Select(c => c.Size).Distinct()];

    /// <summary>The cases that share one peer (or set of peers): one transport, workload and worker count, every size and rate.</summary>
    public IEnumerable<IReadOnlyList<PlannedCase>> Groups =>
        Cases.GroupBy(c => (c.Transport, c.Workload, c.Workers, c.Shape)).Select(g => (IReadOnlyList<PlannedCase>)[.. g]);

    /// <summary>
    /// True when the peer of <paramref name="c"/> would burn a CPU while it waits for its next trial (a ring transport
    /// told to spin): such a peer is stopped after each round rather than kept.
    /// </summary>
    public bool SpinsWhileIdle(PlannedCase c) => c.IsRing && Wait == RingWait.Spin;

    /// <summary>The worker counts given with --workers (empty without it).</summary>
    public IReadOnlyList<int> WorkerCounts => [.. Cases.Select(c => c.Workers).OfType<int>().Distinct()];

    /// <summary>The offered rates given with --rate (empty without it).</summary>
    public IReadOnlyList<double> Rates => [.. Cases.Select(c => c.OfferedRate).OfType<double>().Distinct()];

    /// <summary>
    /// Builds the cases of transports × workloads × sizes in that order (the request workload has one case, without a
    /// size, and is the only workload of a framework peer); with <paramref name="nativeReference"/> each case knows its native twin.
    /// </summary>
    public static IReadOnlyList<PlannedCase> CasesOf(
        IReadOnlyList<ITransport> transports, IReadOnlyList<Workload> workloads, IReadOnlyList<int> sizes, bool nativeReference, RingWait? wait,
        Scaling? scaling = null)
    {
        var cases = new List<PlannedCase>();
        foreach (var transport in transports)
        {
            // A framework peer answers typed requests only: it has no case of the other workloads.
            foreach (var workload in workloads.Where(w => transport is not PeerTransport || w is RequestWorkload))
            {
                foreach (int size in workload.UsesMessageSize ? sizes : [RequestWorkload.NominalSize])
                {
                    // A native twin measures one pair in closed loop: the scaled and open-loop cases have none.
                    string? twin = nativeReference && workload.HasNativeTwin && scaling is null ? NativeTwins.Of(transport.Scheme, wait) : null;
                    foreach (int? workers in scaling?.Workers is { Count: > 0 } w ? w.Select(n => (int?)n) : [null])
                    {
                        foreach (double? rate in scaling?.Rates is { Count: > 0 } r ? r.Select(x => (double?)x) : [null])
                        {
                            cases.Add(new PlannedCase(cases.Count, transport, workload, size, twin)
                            {
                                Workers = workers,
                                Shape = scaling?.Shape ?? WorkerShape.Pairs,
                                OfferedRate = rate,
                            });
                        }
                    }
                }
            }
        }

        return cases;
    }

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

        if (Wait is { } wait)
        {
            endpoint = endpoint.WithQueryValue("wait", wait.ToString().ToLowerInvariant());
        }

        return endpoint.WithQueryValue("capacity", RingCapacity.ToString(CultureInfo.InvariantCulture));
    }
}

/// <summary>
/// What --workers, --shape and --rate ask for: each worker count (and each rate) becomes cases of its own, after the
/// transport, workload and size.
/// </summary>
internal sealed record Scaling(IReadOnlyList<int> Workers, WorkerShape Shape, IReadOnlyList<double> Rates);

/// <summary>Which native mechanism (scripts/native) is the twin of which transport.</summary>
internal static class NativeTwins
{
    /// <summary>
    /// The native mechanism that does what an IpcKit transport does, or null when it has no twin. For the shared-memory
    /// ring the twin depends on how it waits (--wait): spin is shm-spin; backoff (the default) is the futex ring, which
    /// also spins a little before it sleeps; block is the futex ring with no spinning (futex-block).
    /// </summary>
    public static string? Of(string transport, RingWait? wait) => transport.ToLowerInvariant() switch
    {
        "anon-pipe" => "pipe",   // two pipe(2)s, one per direction
        "pipe" => "unix",        // .NET's named pipes are Unix domain sockets on Linux
        "unix" => "unix",
        "tcp" => "tcp",
        "mmf" or "shm" => wait switch { RingWait.Spin => "shm-spin", RingWait.Block => "futex-block", _ => "futex" },
        _ => null,
    };
}
