using System.Text.Json.Serialization;

namespace IpcKit.Coordinator.Results;

/// <summary>Everything one `ipckit bench` run produced: what ran, where, and every case's figures. Serialized as docs/json-schema.md describes.</summary>
internal sealed record BenchReport
{
    /// <summary>Bumped on any change a reader of the JSON must know about.</summary>
    public const int CurrentSchemaVersion = 1;

    public int SchemaVersion { get; init; } = CurrentSchemaVersion;

    public required EnvironmentInfo Environment { get; init; }

    public required BenchSettings Settings { get; init; }

    public required IReadOnlyList<CaseResult> Results { get; init; }

    /// <summary>The native reference run (--reference native): whether it could run, and why not. Null when no reference was asked for.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public ReferenceRun? ReferenceRun { get; init; }
}

/// <summary>The options a run used, so a result file says how it was made.</summary>
internal sealed record BenchSettings
{
    public required IReadOnlyList<string> Transports { get; init; }

    public required IReadOnlyList<string> Workloads { get; init; }

    public required IReadOnlyList<int> Sizes { get; init; }

    public long? Iterations { get; init; }

    public double? DurationSeconds { get; init; }

    public required double WarmupSeconds { get; init; }

    public required string Pin { get; init; }

    public required IReadOnlyList<int> Cpus { get; init; }

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
}

/// <summary>The figures of one transport × workload × message size.</summary>
internal sealed record CaseResult
{
    public required string Transport { get; init; }

    public required string Workload { get; init; }

    public required int MessageSize { get; init; }

    /// <summary>Measured operations (round trips for latency and request, messages for throughput), warm-up excluded.</summary>
    public required long Operations { get; init; }

    public required string Pin { get; init; }

    public LatencyStats? Latency { get; init; }

    public double MessagesPerSecond { get; init; }

    public double BytesPerSecond { get; init; }

    public required Integrity Integrity { get; init; }

    public CpuUsage? Cpu { get; init; }

    /// <summary>Measured seconds, warm-up excluded.</summary>
    public double ElapsedSeconds { get; init; }

    /// <summary>The same case measured by the native C reference (ipckit-native) in the same run, or null when there was none.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public NativeFigures? Reference { get; init; }

    /// <summary>Why the case failed, or null.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Error { get; init; }

    [JsonIgnore]
    public bool Failed => Error is not null || Integrity.Lost != 0 || Integrity.Corrupted != 0;
}

/// <summary>Percentiles of the operation times, in nanoseconds.</summary>
internal sealed record LatencyStats(long P50Ns, long P90Ns, long P99Ns, long P999Ns, long MaxNs, double MeanNs, long MinNs, long Samples)
{
    /// <summary>Computes the statistics of raw samples (sorted in place).</summary>
    public static LatencyStats? FromSamples(long[] samplesNs, int count)
    {
        if (count == 0)
        {
            return null;
        }

        var span = samplesNs.AsSpan(0, count);
        span.Sort();
        double sum = 0;
        foreach (long s in span)
        {
            sum += s;
        }

        // Nearest-rank percentile: the smallest sample with at least q of all samples at or below it.
        long At(double q) => samplesNs[Math.Clamp((int)Math.Ceiling(q * count) - 1, 0, count - 1)];
        return new LatencyStats(At(0.50), At(0.90), At(0.99), At(0.999), span[^1], sum / count, span[0], count);
    }
}

/// <summary>What arrived: a fast transport that loses data has failed.</summary>
internal sealed record Integrity(long Sent, long Received, long Lost, long Corrupted);

/// <summary>CPU time and context switches of both processes during one case (warm-up included).</summary>
internal sealed record CpuUsage(ProcessCpu Coordinator, ProcessCpu Worker);

/// <summary>One process's share: CPU milliseconds and context switches.</summary>
internal sealed record ProcessCpu(double UserMs, double SystemMs, long VoluntaryContextSwitches, long InvoluntaryContextSwitches)
{
    public static ProcessCpu From(Protocol.ProcessCounters c) =>
        new(c.UserNs / 1e6, c.SystemNs / 1e6, c.Voluntary, c.Involuntary);
}
