namespace IpcKit.Coordinator.Results;

/// <summary>
/// For a framework peer's request result (grpc-uds, jsonrpc-uds…): the bare transport it rides on, measured with the
/// same request workload (the same MessagePack orders, straight over IpcKit's connection) in the same run, and how many
/// times the framework costs over it.
/// </summary>
internal sealed record BareFigures
{
    /// <summary>The bare transport: the one the framework rides on (unix under a Unix socket, tcp under loopback) when the
    /// run measured it, else unix.</summary>
    public required string Transport { get; init; }

    public long P50Ns { get; init; }

    public long P99Ns { get; init; }

    /// <summary>The peer's p50 ÷ the bare transport's p50: 20 means the framework makes a request 20 times as slow.</summary>
    public double? Ratio { get; init; }

    /// <summary>The peer's CPU time per request (both processes) ÷ the bare transport's; null without CPU figures.</summary>
    public double? CpuRatio { get; init; }

    /// <summary>
    /// Adds <see cref="CaseResult.Bare"/> to every peer request result that has a bare transport in
    /// <paramref name="results"/>; returns the results in the same order.
    /// </summary>
    /// <param name="carrierOf">The bare transport a peer rides on, or null when the name is not a peer's.</param>
    public static IReadOnlyList<CaseResult> AddTo(IReadOnlyList<CaseResult> results, Func<string, string?> carrierOf)
    {
        ArgumentNullException.ThrowIfNull(results);
        ArgumentNullException.ThrowIfNull(carrierOf);
        CaseResult? Bare(string name, int size) =>
            results.FirstOrDefault(b => b.Transport == name && b.Workload == "request" && b.MessageSize == size && !b.Failed && b.Latency is { P50Ns: > 0 });

        return [.. results.Select(r =>
        {
            if (r.Workload != "request" || r.Failed || carrierOf(r.Transport) is not { } carrier
                || (Bare(carrier, r.MessageSize) ?? Bare("unix", r.MessageSize)) is not { } bare)
            {
                return r;
            }

            return r with
            {
                Bare = new BareFigures
                {
                    Transport = bare.Transport,
                    P50Ns = bare.Latency!.P50Ns,
                    P99Ns = bare.Latency.P99Ns,
                    Ratio = NativeFigures.RatioOf(r, bare.Latency.P50Ns, bare.MessagesPerSecond),
                    CpuRatio = Summary.CpuPerOp(r) is { } peer && Summary.CpuPerOp(bare) is { } own and > 0 ? peer / own : null,
                },
            };
        })];
    }
}
