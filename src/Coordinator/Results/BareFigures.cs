namespace IpcKit.Coordinator.Results;

/// <summary>
/// For a framework peer's request result (grpc-uds, jsonrpc-uds…): the bare transport it rides on, measured with the
/// same request workload (the same MessagePack orders, straight over IpcKit's connection) in the same run, and how many
/// times the framework costs over it. Computed by Statistics/BareRatios.
/// </summary>
internal sealed record BareFigures
{
    /// <summary>The bare transport: the one the framework rides on (unix under a Unix socket, tcp under loopback) when the
    /// run measured it, else unix.</summary>
    public required string Transport { get; init; }

    /// <summary>
    /// Set for <see cref="CaseResult.Raw"/> only: the message size of the same transport's raw round trip (latency
    /// workload) the typed request is set against; null for a peer's bare transport, which ran the request workload.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public int? MessageSize { get; init; }

    /// <summary>The bare transport's p50 (its median over trials).</summary>
    public long P50Ns { get; init; }

    public long P99Ns { get; init; }

    /// <summary>
    /// The peer's p50 ÷ the bare transport's p50, per pair of trials of the same round, summarised (median, spread, 95%
    /// interval): 20 means the framework makes a request 20 times as slow.
    /// </summary>
    public Estimate? Ratio { get; init; }

    /// <summary>The peer's CPU time per request (both processes) ÷ the bare transport's, per pair of trials, summarised.</summary>
    public Estimate? CpuRatio { get; init; }
}
