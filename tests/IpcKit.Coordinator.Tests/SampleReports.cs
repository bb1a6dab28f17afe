using IpcKit.Coordinator.Results;
using IpcKit.Coordinator.Statistics;

namespace IpcKit.Coordinator.Tests;

/// <summary>
/// Fixed result models, built by hand: a fixed machine, a fixed start time and made-up but plausible figures, so that
/// every exporter's output is the same on every machine and can be compared with a committed snapshot. Each case has
/// seven trials spread ±4% around its figure (its native twin's trials ±2%), summarised by the statistics layer.
/// </summary>
internal static class SampleReports
{
    /// <summary>How each of the seven trials of a sample case differs from the case's figure.</summary>
    public static readonly double[] TrialFactors = [0.96, 1.0, 1.04, 0.98, 1.02, 0.97, 1.03];

    private static readonly double[] TwinFactors = [1.0, 0.98, 1.02, 1.01, 0.99, 1.0, 1.01];

    public static readonly EnvironmentInfo Environment = new()
    {
        CpuModel = "Example CPU @ 3.00GHz",
        Cores = 2,
        AllowedCpus = [0, 1],
        Os = "Debian GNU/Linux 12 (bookworm)",
        Kernel = "6.1.0-example",
        DotNet = ".NET 10.0.0",
        IpcKitVersion = "0.1.0",
        Machine = "x64",
        LoadAverage = 0.42,
        StartedUtc = new DateTimeOffset(2026, 11, 21, 9, 30, 0, TimeSpan.Zero),
    };

    /// <summary>pipe, unix and tcp with native twins, thread without; latency, throughput and request; one failed case.</summary>
    public static BenchReport Full() => new()
    {
        Environment = Environment,
        Settings = Settings(["pipe", "unix", "tcp", "thread"], ["latency", "throughput", "request"], "native"),
        ReferenceRun = new ReferenceRun { Kind = "native", Available = true, Note = "No native twin for: thread, pipe request, unix request." },
        Results =
        [
            Latency("pipe", 64, p50: 7_680, native: Native("unix", "latency", 64, 5_120, 200_000)),
            Latency("pipe", 65536, p50: 21_300, native: Native("unix", "latency", 65536, 18_900, 55_000)),
            Latency("unix", 64, p50: 6_950, native: Native("unix", "latency", 64, 5_120, 200_000)),
            Latency("unix", 65536, p50: 20_100, native: Native("unix", "latency", 65536, 18_900, 55_000)),
            Latency("tcp", 64, p50: 11_200, native: Native("tcp", "latency", 64, 9_800, 100_000)),
            Failed("tcp", "latency", 65536, "The tcp worker exited with SIGKILL while the case ran.\nIts stderr was empty."),
            Latency("thread", 64, p50: 1_450),
            Latency("thread", 65536, p50: 9_400),
            Throughput("pipe", 64, 772_125, native: Native("unix", "throughput", 64, 900, 2_100_000)),
            Throughput("pipe", 65536, 74_970, native: Native("unix", "throughput", 65536, 9_000, 160_000)),
            Throughput("unix", 64, 701_400, native: Native("unix", "throughput", 64, 900, 2_100_000)),
            Throughput("unix", 65536, 81_220, native: Native("unix", "throughput", 65536, 9_000, 160_000)),
            Throughput("tcp", 64, 655_000, native: Native("tcp", "throughput", 64, 1_100, 1_500_000)),
            Throughput("tcp", 65536, 30_010, native: Native("tcp", "throughput", 65536, 20_000, 60_000) with { Error = "ipckit-native tcp exited 1: connect: Connection refused" }),
            Throughput("thread", 64, 2_950_000),
            Throughput("thread", 65536, 190_000),
            Latency("pipe", 0, p50: 9_900, workload: "request"),
            Latency("unix", 0, p50: 9_100, workload: "request") with { Integrity = new Integrity(1000, 998, 2, 1) },
        ],
    };

    /// <summary>One transport, latency only, no reference: the smallest report.</summary>
    public static BenchReport Minimal() => new()
    {
        Environment = Environment,
        Settings = Settings(["pipe"], ["latency"], "none"),
        Results = [Latency("pipe", 64, p50: 7_680)],
    };

    /// <summary>A run where the native reference could not be built.</summary>
    public static BenchReport ReferenceMissing() => Minimal() with
    {
        Settings = Settings(["pipe"], ["latency"], "native"),
        ReferenceRun = new ReferenceRun { Kind = "native", Available = false, Note = "no C compiler was found (tried $CC, cc, gcc, clang)" },
    };

    public static BenchSettings Settings(IReadOnlyList<string> transports, IReadOnlyList<string> workloads, string reference) => new()
    {
        Transports = transports,
        Workloads = workloads,
        Sizes = [64, 65536],
        Iterations = null,
        DurationSeconds = 0.2,
        WarmupSeconds = 0.05,
        Pin = "split",
        Cpus = [0, 1],
        Trials = 7,
        Quick = true,
        Reference = reference,
    };

    public static CaseResult Latency(string transport, int size, long p50, NativeFigures? native = null, string workload = "latency")
    {
        long ops = 200_000_000 / p50; // as many round trips as fit in 0.2 s
        var result = new CaseResult
        {
            Transport = transport,
            Workload = workload,
            MessageSize = size,
            Operations = ops,
            Pin = "split",
            Latency = new LatencyStats(p50, p50 * 105 / 100, p50 * 13 / 10, p50 * 6, p50 * 150, p50 * 1.12, p50 * 9 / 10, ops),
            MessagesPerSecond = ops / 0.2,
            BytesPerSecond = 2.0 * Math.Max(size, 48) * ops / 0.2,
            Integrity = new Integrity(ops, ops, 0, 0),
            Cpu = new CpuUsage(new ProcessCpu(80, 120.5, ops, 12), new ProcessCpu(70, 110, ops - 3, 9)),
            ElapsedSeconds = 0.2,
        };
        return WithTrials(result, native);
    }

    public static CaseResult Throughput(string transport, int size, double messagesPerSecond, NativeFigures? native = null)
    {
        long ops = (long)(messagesPerSecond * 0.2);
        long p50 = (long)(1e9 / messagesPerSecond);
        var result = new CaseResult
        {
            Transport = transport,
            Workload = "throughput",
            MessageSize = size,
            Operations = ops,
            Pin = "split",
            Latency = new LatencyStats(p50, p50 * 2, p50 * 5, p50 * 40, p50 * 400, p50 * 1.7, p50 / 2, ops),
            MessagesPerSecond = messagesPerSecond,
            BytesPerSecond = messagesPerSecond * size,
            Integrity = new Integrity(ops, ops, 0, 0),
            Cpu = new CpuUsage(new ProcessCpu(150, 40, 900, 20), new ProcessCpu(140, 45.25, 880, 31)),
            ElapsedSeconds = 0.2,
        };
        return WithTrials(result, native);
    }

    /// <summary>Gives a case seven trials around its figures (and its twin's), and the summary of them.</summary>
    public static CaseResult WithTrials(CaseResult r, NativeFigures? native)
    {
        var trials = TrialFactors.Select((f, i) =>
        {
            var trial = new TrialResult
            {
                Trial = i + 1,
                Operations = r.Operations / 7,
                ElapsedSeconds = r.ElapsedSeconds / 7,
                WarmupSeconds = 0.15 + 0.01 * i,
                WarmupSettled = i != 2,
                Latency = r.Latency is { } l ? l with { P50Ns = (long)(l.P50Ns * f), P99Ns = (long)(l.P99Ns * f), Samples = l.Samples / 7 } : null,
                MessagesPerSecond = r.MessagesPerSecond / f,
                BytesPerSecond = r.BytesPerSecond / f,
                Integrity = r.Integrity with { Sent = r.Integrity.Sent / 7, Received = r.Integrity.Received / 7 },
                Cpu = r.Cpu,
            };
            return native is null ? trial
                : native.Error is { } error ? trial with { Reference = new NativeTrial(0, 0, 0, 0, 0, null) { Error = error } }
                : trial with { Reference = Twin(r.Workload, trial, native, TwinFactors[i]) };
        }).ToList();
        return Recompute(r with { Trials = trials }, native?.Mechanism);
    }

    /// <summary>The figures a case's trials give it (after a test changed its trials).</summary>
    public static CaseResult Recompute(CaseResult r, string? mechanism)
    {
        var rates = r.Trials.Select(t => t.MessagesPerSecond).ToList();
        return r with
        {
            P50 = Estimates.Of([.. r.Trials.Where(t => t.Latency is not null).Select(t => (double)t.Latency!.P50Ns)]),
            Rate = Estimates.Of(rates),
            MessagesPerSecond = rates.Count > 0 ? Estimates.Median(rates) : 0,
            Reference = mechanism is null ? null : CaseStatistics.Reference(mechanism, r.Trials),
        };
    }

    private static NativeTrial Twin(string workload, TrialResult trial, NativeFigures n, double f)
    {
        long p50 = (long)(n.P50Ns * f);
        double rate = n.MessagesPerSecond / f;
        return new NativeTrial(n.Operations / 7, p50, (long)(n.P99Ns * f), rate, n.BytesPerSecond / f, NativeFigures.RatioOf(workload, trial, p50, rate));
    }

    public static CaseResult Failed(string transport, string workload, int size, string error) => new()
    {
        Transport = transport,
        Workload = workload,
        MessageSize = size,
        Operations = 0,
        Pin = "split",
        Integrity = new Integrity(0, 0, 0, 0),
        Error = error,
    };

    public static NativeFigures Native(string mechanism, string workload, int size, long p50, double messagesPerSecond) => new()
    {
        Mechanism = mechanism,
        Operations = 20_000,
        P50Ns = p50,
        P99Ns = p50 * 3,
        MessagesPerSecond = messagesPerSecond,
        BytesPerSecond = messagesPerSecond * size * (workload == "latency" ? 2 : 1),
    };
}
