using System.Text.Json.Serialization;
using HdrHistogram;

namespace IpcKit.Coordinator.Results;

/// <summary>Everything one `ipckit bench` run produced: what ran, where, and every case's figures. Serialized as docs/json-schema.md describes.</summary>
internal sealed record BenchReport
{
    /// <summary>Bumped on any change a reader of the JSON must know about.</summary>
    public const int CurrentSchemaVersion = 2;

    public int SchemaVersion { get; init; } = CurrentSchemaVersion;

    public required EnvironmentInfo Environment { get; init; }

    public required BenchSettings Settings { get; init; }

    public required IReadOnlyList<CaseResult> Results { get; init; }

    /// <summary>The native reference run (--reference native): whether it could run, and why not. Null when no reference was asked for.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public ReferenceRun? ReferenceRun { get; init; }

    /// <summary>With --workers: what oversubscribing the CPUs did to each transport, in figures and words; absent otherwise.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<Statistics.ScalingNote>? Scaling { get; init; }

    /// <summary>With --rate: where each transport saturated; absent otherwise.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<Statistics.SaturationNote>? Saturation { get; init; }

    /// <summary>Where the workers ran with --remote, and that host's environment (docs/remote.md). Null for a local run.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Remote.RemoteRun? Remote { get; init; }
}

/// <summary>The options a run used, so a result file says how it was made.</summary>
internal sealed record BenchSettings
{
    public required IReadOnlyList<string> Transports { get; init; }

    public required IReadOnlyList<string> Workloads { get; init; }

    public required IReadOnlyList<int> Sizes { get; init; }

    public long? Iterations { get; init; }

    public double? DurationSeconds { get; init; }

    /// <summary>The longest one trial may warm up while its rate has not settled (--warmup).</summary>
    public required double WarmupSeconds { get; init; }

    /// <summary>The placement of the two communicating threads: none, same or split (docs/json-schema.md).</summary>
    public required string Pin { get; init; }

    public required IReadOnlyList<int> Cpus { get; init; }

    /// <summary>Trials per case (--trials), interleaved round-robin across the cases. 1 in files of schema version 1.</summary>
    public int Trials { get; init; } = 1;

    public required bool Quick { get; init; }

    /// <summary>The wait strategy given to ring transports with --wait, or null for their default (backoff).</summary>
    public string? Wait { get; init; }

    /// <summary>The ring size per direction the ring transports used (--capacity, or sized from the largest message), in bytes; null when the run had no ring transport and no --capacity.</summary>
    public long? RingCapacity { get; init; }

    /// <summary>--zero-copy: ring transports' streams wrote each message in place (and so did their native twins). Written only when true.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool ZeroCopy { get; init; }

    /// <summary>The reference asked for with --reference: "native", or "none".</summary>
    public string Reference { get; init; } = "none";

    /// <summary>The worker counts of --workers; absent without it.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<int>? Workers { get; init; }

    /// <summary>The --shape of the --workers cases: pairs, fan-in or fan-out; absent without --workers.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Shape { get; init; }

    /// <summary>The offered rates of --rate, in messages per second; absent without it.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<double>? Rates { get; init; }
}

/// <summary>
/// The figures of one transport × workload × message size over all its trials: each trial's own figures, their median
/// with spread and 95% confidence interval (<see cref="P50"/>, <see cref="Rate"/>), and the latency distribution of
/// every trial merged (<see cref="Latency"/>). docs/statistics.md says how each is computed.
/// </summary>
internal sealed record CaseResult
{
    public required string Transport { get; init; }

    public required string Workload { get; init; }

    public required int MessageSize { get; init; }

    /// <summary>Measured operations over all trials (round trips for latency and request, messages for throughput), warm-up excluded.</summary>
    public required long Operations { get; init; }

    public required string Pin { get; init; }

    /// <summary>With --workers: how many workers ran at once (each with its own connection); absent otherwise.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? Workers { get; init; }

    /// <summary>With --workers: pairs, fan-in or fan-out; absent otherwise.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Shape { get; init; }

    /// <summary>With --rate: the offered load in messages per second; the achieved one is <see cref="MessagesPerSecond"/>.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? OfferedRate { get; init; }

    /// <summary>With --rate: true when the achieved rate fell below 90% of the offered one (the transport saturated).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public bool? Saturated { get; init; }

    /// <summary>With --workers: each connection over all trials (its histograms merged; its rate the median of its trials).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<ConnectionResult>? Connections { get; init; }

    /// <summary>Percentiles of every operation time of every trial (the trials' histograms merged).</summary>
    public LatencyStats? Latency { get; init; }

    /// <summary>The trials' p50 round-trip (or per-message) times: median, spread and 95% confidence interval, in ns.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Estimate? P50 { get; init; }

    /// <summary>The median over trials of messages (operations) per second.</summary>
    public double MessagesPerSecond { get; init; }

    /// <summary>The trials' messages (operations) per second: median, spread and 95% confidence interval.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Estimate? Rate { get; init; }

    /// <summary>
    /// For a request case: the trials' p50 of the same MessagePack encodes and decodes alone (one thread, no transport),
    /// in ns: the part of <see cref="P50"/> that is serialization.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Estimate? Codec { get; init; }

    /// <summary>The median over trials of payload bytes per second.</summary>
    public double BytesPerSecond { get; init; }

    /// <summary>Summed over trials.</summary>
    public required Integrity Integrity { get; init; }

    /// <summary>Both processes' CPU time and context switches during the timed parts of all trials.</summary>
    public CpuUsage? Cpu { get; init; }

    /// <summary>Measured seconds over all trials, warm-up excluded.</summary>
    public double ElapsedSeconds { get; init; }

    /// <summary>Every trial's own figures, in the order they ran.</summary>
    public IReadOnlyList<TrialResult> Trials { get; init; } = [];

    /// <summary>The merged latency histogram, for the .hgrm export; not in the JSON.</summary>
    [JsonIgnore]
    public HistogramBase? Histogram { get; init; }

    /// <summary>The same case measured by the native C reference (ipckit-native) next to each trial, or null when there was none.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public NativeFigures? Reference { get; init; }

    /// <summary>For a framework peer's request result: the bare transport it rides on, from the same run; else null.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public BareFigures? Bare { get; init; }

    /// <summary>
    /// For a round trip over shared memory (mmf latency): the flag ping-pong floor measured after each trial
    /// (<see cref="TrialResult.Floor"/>), its medians and the paired ratio; null otherwise.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public NativeFigures? Floor { get; init; }

    /// <summary>
    /// Next to <see cref="Floor"/>: the one-slot mailbox carrying the case's message (<see cref="TrialResult.SlotFloor"/>),
    /// its medians and the paired ratio; null where <see cref="Floor"/> is (and in files written before it was added).
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public NativeFigures? SlotFloor { get; init; }

    /// <summary>
    /// For the request result of an IpcKit transport: the same transport's raw byte round trip (latency workload, the
    /// smallest size of the run) from the same run, and the typed request's p50 over it: what MessagePack encoding and
    /// decoding add. Null when the run measured no latency case of that transport.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public BareFigures? Raw { get; init; }

    /// <summary>Why the case failed, or null.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Error { get; init; }

    [JsonIgnore]
    public bool Failed => Error is not null || Integrity.Lost != 0 || Integrity.Corrupted != 0;
}

/// <summary>Percentiles of the operation times, in nanoseconds (computed by Statistics.Percentiles from a histogram).</summary>
internal sealed record LatencyStats(long P50Ns, long P90Ns, long P99Ns, long P999Ns, long MaxNs, double MeanNs, long MinNs, long Samples)
{
    /// <summary>p99.99 (issue 15: open-loop latency is reported up to it); absent in files written before it was added.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? P9999Ns { get; init; }
}

/// <summary>
/// A figure over trials: the median, the spread (min–max) and a 95% confidence interval (<see cref="CiLow"/> to
/// <see cref="CiHigh"/>; equal to the median when there was a single trial). docs/statistics.md says how it is computed.
/// </summary>
internal sealed record Estimate(double Median, double Min, double Max, double CiLow, double CiHigh, int Trials);

/// <summary>One trial of a case: its own figures, and those of its native twin's trial run right after it.</summary>
internal sealed record TrialResult
{
    /// <summary>1-based, in the order trials ran.</summary>
    public required int Trial { get; init; }

    public required long Operations { get; init; }

    public double ElapsedSeconds { get; init; }

    /// <summary>How long the warm-up ran before measuring.</summary>
    public double WarmupSeconds { get; init; }

    /// <summary>True when the warm-up's rate settled; false when it stopped at the cap (--warmup) still moving.</summary>
    public bool WarmupSettled { get; init; }

    public LatencyStats? Latency { get; init; }

    public double MessagesPerSecond { get; init; }

    public double BytesPerSecond { get; init; }

    public required Integrity Integrity { get; init; }

    public CpuUsage? Cpu { get; init; }

    /// <summary>For a --workers case: each connection's own figures in this trial.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<ConnectionResult>? Connections { get; init; }

    /// <summary>The native twin's trial, run right after this one, with the ratio of this trial to it.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public NativeTrial? Reference { get; init; }

    /// <summary>
    /// For a round trip over shared memory (mmf latency): a C flag ping-pong between two processes (ipckit-native
    /// shm-flag), run right after the twin, with this trial's p50 over its p50: the floor of a shared-memory round trip.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public NativeTrial? Floor { get; init; }

    /// <summary>
    /// Next to <see cref="Floor"/>: a C one-slot mailbox per direction carrying this case's message (ipckit-native
    /// shm-slot), run right after the flag, with this trial's p50 over its p50: the floor of a shared-memory round trip
    /// that carries the message's bytes (every cache line of them handed over each way).
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public NativeTrial? SlotFloor { get; init; }

    /// <summary>For a request case: the p50 of its encodes and decodes alone, on one thread with no transport, in ns.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? CodecNs { get; init; }
}

/// <summary>One trial of a native twin (ipckit-native), and this trial's ratio to it (see <see cref="NativeFigures.Ratio"/>).</summary>
internal sealed record NativeTrial(long Operations, long P50Ns, long P99Ns, double MessagesPerSecond, double BytesPerSecond, double? Ratio)
{
    /// <summary>Why the twin could not be measured, or null.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Error { get; init; }
}

/// <summary>
/// One connection of a --workers case: its operations, its rate (in a trial: operations over the trial's time; over
/// the case: the median of its trials) and the percentiles of its own operation times.
/// </summary>
internal sealed record ConnectionResult(int Connection, long Operations, double MessagesPerSecond, LatencyStats? Latency);

/// <summary>What arrived: a fast transport that loses data has failed.</summary>
internal sealed record Integrity(long Sent, long Received, long Lost, long Corrupted);

/// <summary>CPU time and context switches of both processes during the timed part of a trial (or of all trials, summed).</summary>
internal sealed record CpuUsage(ProcessCpu Coordinator, ProcessCpu Worker);

/// <summary>One process's share: CPU milliseconds and context switches.</summary>
internal sealed record ProcessCpu(double UserMs, double SystemMs, long VoluntaryContextSwitches, long InvoluntaryContextSwitches)
{
    public static ProcessCpu From(Protocol.ProcessCounters c) =>
        new(c.UserNs / 1e6, c.SystemNs / 1e6, c.Voluntary, c.Involuntary);
}
