using IpcKit.Coordinator.Results;

namespace IpcKit.Coordinator.Statistics;

/// <summary>
/// Sets each framework peer's request result against the bare transport it rides on, from the same run. Trials run
/// round-robin (A B C, A B C …), so trial N of the peer and trial N of the bare transport met the same minute of a
/// noisy machine: the ratio is taken per such pair, then summarised as every other figure is (<see cref="Estimates"/>).
/// </summary>
internal static class BareRatios
{
    /// <summary>
    /// Adds <see cref="CaseResult.Bare"/> to every peer request result that has a bare transport in
    /// <paramref name="results"/>, and <see cref="CaseResult.Raw"/> to every other request result whose transport also
    /// ran the latency workload; returns the results in the same order.
    /// </summary>
    /// <param name="carrierOf">The bare transport a peer rides on, or null when the name is not a peer's.</param>
    public static IReadOnlyList<CaseResult> AddTo(IReadOnlyList<CaseResult> results, Func<string, string?> carrierOf)
    {
        ArgumentNullException.ThrowIfNull(results);
        ArgumentNullException.ThrowIfNull(carrierOf);
        CaseResult? Bare(string name, int size) =>
            results.FirstOrDefault(b => b.Transport == name && b.Workload == "request" && b.MessageSize == size && !b.Failed && P50(b) > 0);

        // The raw round trip of a transport: its latency case of the smallest size the run measured.
        CaseResult? Raw(string name) =>
            results.Where(b => b.Transport == name && b.Workload == "latency" && b.Workers is null && b.OfferedRate is null && !b.Failed && P50(b) > 0)
                .MinBy(b => b.MessageSize);

        return [.. results.Select(r =>
        {
            if (r.Workload != "request" || r.Failed)
            {
                return r;
            }

            if (carrierOf(r.Transport) is not { } carrier)
            {
                // An IpcKit transport carrying typed orders: set it against its own raw round trip (issue 18's
                // "typed request at most 1.2× the bare 64 B round trip").
                return Raw(r.Transport) is { } raw ? r with { Raw = Against(r, raw) with { MessageSize = raw.MessageSize } } : r;
            }

            return (Bare(carrier, r.MessageSize) ?? Bare("unix", r.MessageSize)) is { } bare ? r with { Bare = Against(r, bare) } : r;
        })];
    }

    /// <summary>
    /// <paramref name="r"/>'s p50 and CPU time per operation over <paramref name="under"/>'s, per pair of trials of the
    /// same round, with <paramref name="under"/>'s own figures.
    /// </summary>
    private static BareFigures Against(CaseResult r, CaseResult under) => new()
    {
        Transport = under.Transport,
        P50Ns = P50(under),
        P99Ns = under.Latency?.P99Ns ?? 0,
        Ratio = Paired(r, under, (t, b) => Ratio(t.Latency?.P50Ns, b.Latency?.P50Ns), Ratio(P50(r), P50(under))),
        CpuRatio = Paired(r, under,
            (t, b) => Ratio(Summary.CpuPerOp(t.Cpu, t.Operations), Summary.CpuPerOp(b.Cpu, b.Operations)),
            Ratio(Summary.CpuPerOp(r.Cpu, r.Operations), Summary.CpuPerOp(under.Cpu, under.Operations))),
    };

    private static long P50(CaseResult r) => (long)(r.P50?.Median ?? r.Latency?.P50Ns ?? 0);

    /// <summary>The ratio per pair of trials with the same number, summarised; from the medians for results without trials.</summary>
    private static Estimate? Paired(CaseResult peer, CaseResult bare, Func<TrialResult, TrialResult, double?> ratio, double? ofMedians)
    {
        if (peer.Trials.Count == 0 || bare.Trials.Count == 0)
        {
            return ofMedians is { } m ? Estimates.Of([m]) : null;
        }

        var pairs = peer.Trials
            .Join(bare.Trials, t => t.Trial, b => b.Trial, ratio)
            .OfType<double>()
            .ToList();
        return Estimates.Of(pairs);
    }

    private static double? Ratio(double? over, double? under) => over is > 0 && under is > 0 ? over / under : null;
}
