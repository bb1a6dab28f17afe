using System.CommandLine;
using IpcKit.Coordinator.Exporters;
using IpcKit.Coordinator.Planning;
using IpcKit.Coordinator.Results;
using IpcKit.Coordinator.Running;
using IpcKit.Coordinator.Statistics;
using IpcKit.Coordinator.Workloads;
using IpcKit.Peers;
using IpcKit.Protocol;
using IpcKit.Transports;
using Spectre.Console;

namespace IpcKit.Coordinator.Commands;

/// <summary>`ipckit bench`, part two: the options as parsed, turned into the one typed plan of cases.</summary>
internal static partial class BenchCommand
{
    internal static BenchPlan BuildPlan(ParseResult parse)
    {
        bool quick = parse.GetValue(QuickOption);
        var transports = OptionParsing.Transports(parse.GetValue(TransportOption)!, PeerTransport.Registry);
        bool workloadsGiven = parse.GetResult(WorkloadOption) is { Implicit: false };
        var scaling = ScalingOf(parse, transports);
        if (scaling is not null && transports.OfType<PeerTransport>().FirstOrDefault() is { } scaledPeer)
        {
            // A peer is one framework client against one peer worker, in closed loop (Running/PeerSession).
            transports = OptionParsing.MeansAll(parse.GetValue(TransportOption)!)
                ? [.. transports.Where(t => t is not PeerTransport)]
                : throw new UsageException($"{scaledPeer.Scheme} is a framework peer: one client against one peer worker, without --workers, --shape or --rate. Leave it out of this run.");
        }

        bool zeroCopy = parse.GetValue(ZeroCopyOption);
        var workloads = OptionParsing.Workloads(workloadsGiven || scaling is null ? parse.GetValue(WorkloadOption)! : scaling.Rates.Count > 0 || scaling.Shape == WorkerShape.Pairs ? DefaultScaledWorkloads(scaling) : "throughput")
            .Select(w => zeroCopy && w is ThroughputWorkload ? new ThroughputWorkload { ZeroCopy = true } : w).ToList();
        // `all` takes the peers only where a request workload runs; a peer named on its own needs one.
        if (!workloads.Any(w => w is RequestWorkload) && !OptionParsing.MeansAll(parse.GetValue(TransportOption)!)
            && transports.OfType<PeerTransport>().FirstOrDefault() is { } peer)
        {
            throw new UsageException($"{peer.Scheme} is a framework peer: it answers typed requests only. Add the request workload (-w request).");
        }

        if (zeroCopy && (!transports.Any(t => RingTransports.Contains(t.Scheme)) || !workloads.Any(w => w is ThroughputWorkload)))
        {
            throw new UsageException("--zero-copy applies to the throughput workload of ring transports (mmf, thread); add one of each, e.g. -t mmf -w throughput.");
        }

        // With --remote the default adds nothing: thread cannot cross machines and a local native twin is no twin of a
        // link between hosts (docs/remote.md); an explicit --reference is taken as given.
        bool remoteDefault = parse.GetValue(Remote.RemoteOptions.Remote) is not null && parse.GetResult(ReferenceOption) is null or { Implicit: true };
        var references = remoteDefault ? [] : OptionParsing.References(parse.GetValue(ReferenceOption)!);
        bool native = references.Contains("native");
        if (references.Contains(BaselineTransport) && !transports.Any(t => t is IInProcessTransport))
        {
            transports = [.. transports, TransportRegistry.Default.Get(BaselineTransport)];
        }

        bool sizesGiven = parse.GetResult(SizesOption) is { Implicit: false };
        var sizes = OptionParsing.Sizes(quick && !sizesGiven ? "64,64KiB" : parse.GetValue(SizesOption)!);
        long? iterations = parse.GetValue(IterationsOption);
        if (iterations is <= 0)
        {
            throw new UsageException("--iterations must be at least 1.");
        }

        string? durationText = parse.GetValue(DurationOption);
        TimeSpan? duration = iterations is null
            ? durationText is null ? TimeSpan.FromMilliseconds(quick ? 200 : 1000) : OptionParsing.PositiveDuration(durationText, "--duration")
            : null;
        if (duration is { } d && d <= TimeSpan.Zero)
        {
            throw new UsageException("--duration must be positive.");
        }

        string? warmupText = parse.GetValue(WarmupOption);
        var warmup = warmupText is null ? TimeSpan.FromMilliseconds(quick ? 500 : 1000) : OptionParsing.Duration(warmupText, "--warmup");

        int trials = parse.GetValue(TrialsOption) ?? DefaultTrials;
        if (trials is < 1 or > 1000)
        {
            throw new UsageException($"--trials must be from 1 to 1000 (given {trials}).");
        }

        var allowed = Affinity.AllowedCpus();
        string? pinText = parse.GetValue(PinOption);
        var pin = pinText is null ? allowed.Count >= 2 ? PinMode.Split : PinMode.Same
            : Enum.TryParse<PinMode>(pinText, ignoreCase: true, out var given) && Enum.IsDefined(given) && !int.TryParse(pinText, out _) ? given
            : throw new UsageException($"Unknown --pin '{pinText}'. Valid: none, same, split.");

        var cpus = parse.GetValue(CpusOption) is { } cpuText ? OptionParsing.Cpus(cpuText) : allowed.Take(2).ToList();
        if (cpus.Count == 0 || cpus.Any(c => !allowed.Contains(c)))
        {
            throw new UsageException($"--cpus must name CPUs this process may use: {string.Join(",", allowed)}.");
        }

        int coordinatorCpu = cpus[0];
        int workerCpu = pin == PinMode.Same ? cpus[0] : cpus.Count > 1 ? cpus[1] : -1;
        if (pin == PinMode.Split && (workerCpu < 0 || workerCpu == coordinatorCpu))
        {
            throw new UsageException($"--pin split needs two different CPUs; this process may use {string.Join(",", allowed)}.");
        }

        RingWait? wait = parse.GetValue(WaitOption) is { } waitText
            ? Enum.TryParse<RingWait>(waitText, ignoreCase: true, out var w) && Enum.IsDefined(w) && !int.TryParse(waitText, out _) ? w
              : throw new UsageException($"Unknown --wait '{waitText}'. Valid: spin, backoff, block.")
            : null;


        TimeSpan? caseTimeout = parse.GetValue(CaseTimeoutOption) is { } timeoutText ? OptionParsing.PositiveDuration(timeoutText, "--case-timeout") : null;
        var cases = BenchPlan.CasesOf(transports, workloads, sizes, native, wait, scaling);
        CheckScaling(scaling, workloads);
        return new BenchPlan(cases, new RunBudget(iterations, duration, warmup), trials, pin, coordinatorCpu, workerCpu, quick)
        {
            CaseTimeoutOverride = caseTimeout,
            Wait = wait,
            Capacity = parse.GetValue(CapacityOption) is { } capacity ? OptionParsing.Capacity(capacity) : null,
            ZeroCopy = zeroCopy,
            MmfDirectory = parse.GetValue(MmfDirOption) is { } mmfDir
                ? mmfDir.Exists ? mmfDir.FullName : throw new UsageException($"--mmf-dir {mmfDir} is not an existing directory.")
                : null,
            NativeReference = native,
            Reference = references.Count == 0 ? "none" : string.Join(",", references),
        };
    }

    /// <summary>--workers, --shape and --rate, or null when none is given.</summary>
    private static Scaling? ScalingOf(ParseResult parse, IReadOnlyList<ITransport> transports)
    {
        string? workersText = parse.GetValue(WorkersOption);
        string? shapeText = parse.GetValue(ShapeOption);
        string? rateText = parse.GetValue(RateOption);
        if (workersText is null && shapeText is null && rateText is null)
        {
            return null;
        }

        var shape = shapeText is null ? WorkerShape.Pairs
            : Shapes.Parse(shapeText) ?? throw new UsageException($"Unknown --shape '{shapeText}'. Valid: pairs, fan-in, fan-out.");
        var workers = workersText is null ? shapeText is null ? [] : [1] : OptionParsing.Workers(workersText);
        var rates = rateText is null ? [] : OptionParsing.Rates(rateText);
        if (rates.Count > 0 && workers.Count > 0)
        {
            throw new UsageException("--rate measures one pair in open loop; it cannot be combined with --workers or --shape. Run them separately.");
        }

        if (shape != WorkerShape.Pairs)
        {
            // One listener takes every worker: anon-pipe's pipe pair is inherited by exactly one child.
            foreach (var t in transports.Where(t => t.Scheme == "anon-pipe"))
            {
                throw new UsageException($"--shape {Shapes.Name(shape)} needs a transport that takes several clients on one listener; {t.Scheme} connects one child per pipe pair, so it does pairs only. Use --shape pairs, or leave {t.Scheme} out.");
            }
        }

        return new Scaling(workers, shape, rates);
    }

    /// <summary>The workloads a scaled run measures when --workload is not given: open loop is ping-pong; pairs run both.</summary>
    private static string DefaultScaledWorkloads(Scaling scaling) => scaling.Rates.Count > 0 ? "latency" : "latency,throughput";

    private static void CheckScaling(Scaling? scaling, IReadOnlyList<IpcKit.Coordinator.Workloads.Workload> workloads)
    {
        if (scaling is null)
        {
            return;
        }

        if (scaling.Rates.Count > 0 && workloads.Any(w => w.Name != "latency"))
        {
            throw new UsageException("--rate offers echoed messages at a fixed rate: it runs the latency workload only (leave out --workload, or give --workload latency).");
        }

        if (scaling.Shape != WorkerShape.Pairs && workloads.Any(w => w.Name != "throughput"))
        {
            throw new UsageException($"--shape {Shapes.Name(scaling.Shape)} is a one-way stream: it runs the throughput workload only (leave out --workload, or give --workload throughput).");
        }
    }
}
