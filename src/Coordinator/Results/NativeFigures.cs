using System.Text.Json.Serialization;

namespace IpcKit.Coordinator.Results;

/// <summary>
/// What the native C reference (scripts/native, <c>ipckit-native</c>) measured for the twin of one case: the same OS
/// mechanism, workload, size, operation count and pinning, without .NET in the way. For a case, the figures are the
/// medians over the twin's trials and <see cref="Ratio"/> summarises the per-trial ratios; as parsed from one run of
/// ipckit-native, they are that run's.
/// </summary>
internal sealed record NativeFigures
{
    /// <summary>The ipckit-native mechanism: pipe, unix, tcp, shm-spin or futex.</summary>
    public required string Mechanism { get; init; }

    public long Operations { get; init; }

    public long P50Ns { get; init; }

    public long P99Ns { get; init; }

    public double MessagesPerSecond { get; init; }

    public double BytesPerSecond { get; init; }

    /// <summary>
    /// IpcKit against its native twin, computed per pair of trials and summarised over them: for latency p50 ÷ native
    /// p50, so 1.5 means 50% slower; for throughput messages/s ÷ native messages/s, so 0.5 means half the rate. Null
    /// when no pair has both figures.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Estimate? Ratio { get; init; }

    /// <summary>Why the native twin could not be measured, or null.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Error { get; init; }

    /// <summary>The ratio of one trial to its twin's trial, by the rule in <see cref="Ratio"/>.</summary>
    public static double? RatioOf(string workload, TrialResult trial, long nativeP50Ns, double nativeMessagesPerSecond)
    {
        if (workload == "throughput")
        {
            return nativeMessagesPerSecond > 0 && trial.MessagesPerSecond > 0 ? trial.MessagesPerSecond / nativeMessagesPerSecond : null;
        }

        return nativeP50Ns > 0 && trial.Latency is { P50Ns: > 0 } l ? (double)l.P50Ns / nativeP50Ns : null;
    }
}

/// <summary>How the reference run went as a whole: whether ipckit-native was available, and if not, why.</summary>
internal sealed record ReferenceRun
{
    /// <summary>"native".</summary>
    public required string Kind { get; init; }

    /// <summary>False when the reference could not be built or run (no C compiler, say); the run went on without it.</summary>
    public required bool Available { get; init; }

    /// <summary>What the user should know: why it is missing, or which cases have no native twin.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Note { get; init; }

    /// <summary>
    /// memcpy on one core with source and destination warm in cache, at each message size of the ring transports'
    /// one-way cases: the bound those copies (one into the ring, one out of it for a message streamed in pieces) are
    /// measured against. Null when the run had no such case.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<MemcpyFigure>? Memcpy { get; init; }
}

/// <summary>
/// The ring transports (mmf and thread, by scheme or alias): they take --wait and --capacity, and their one-way
/// streams are set against memcpy.
/// </summary>
internal static class RingTransports
{
    public static bool Contains(string transport) => transport.ToLowerInvariant() is "mmf" or "shm" or "thread" or "inproc";
}

/// <summary>memcpy bandwidth at one size, measured by ipckit-native in the same run.</summary>
internal sealed record MemcpyFigure(int MessageSize, double BytesPerSecond);
