namespace IpcKit.Coordinator.Results;

/// <summary>One figure in the baseline and in the current result (raw, or as a ratio to the reference), and its change.</summary>
internal sealed record FigureChange(double Baseline, double Current)
{
    /// <summary>Current ÷ baseline − 1: +0.3 is 30% more.</summary>
    public double Relative => Current / Baseline - 1;
}

/// <summary>How one transport × workload × size changed between two result files.</summary>
internal sealed record ComparisonRow
{
    public required string Transport { get; init; }

    public required string Workload { get; init; }

    public required int MessageSize { get; init; }

    /// <summary>What the figures are: "absolute", or the reference they are ratios to ("native unix", "thread", "fastest (tcp)").</summary>
    public required string Basis { get; init; }

    public FigureChange? P50 { get; init; }

    public FigureChange? P99 { get; init; }

    /// <summary>Messages per second (or its ratio to the reference's).</summary>
    public FigureChange? Throughput { get; init; }

    /// <summary>The figure the regression gate looks at: "p50" (latency, request) or "throughput".</summary>
    public string? Gate { get; init; }

    /// <summary>How much worse the gated figure got: p50 up by 0.3, or throughput down by 0.3, is 0.3; negative when better.</summary>
    public double? Worse { get; init; }

    /// <summary>True when <see cref="Worse"/> is over the threshold, or the case failed now and did not before.</summary>
    public bool Regressed { get; init; }

    /// <summary>Why the row is not compared, or what else to know ("only in the baseline", "failed in the current run").</summary>
    public string? Note { get; init; }
}

/// <summary>
/// `ipckit compare`: the change of each result between a baseline file and a current one. By default it compares each
/// result's ratio to a reference measured in the same run as the result — the native twin where both files have it,
/// else the thread transport, else the fastest transport of that workload and size — so that results from machines of
/// different speed, or the same machine on a busier day, still compare. With <c>absolute</c> it compares raw figures.
/// </summary>
internal sealed record Comparison(bool Absolute, double? Threshold, IReadOnlyList<ComparisonRow> Rows)
{
    public IReadOnlyList<ComparisonRow> Regressions => [.. Rows.Where(r => r.Regressed)];

    public static Comparison Of(BenchReport baseline, BenchReport current, bool absolute, double? threshold)
    {
        var before = Summary.Of(baseline).Rows.ToDictionary(Key);
        var now = Summary.Of(current).Rows;
        var common = now.Where(c => before.ContainsKey(Key(c))).ToList();
        var rows = new List<ComparisonRow>();
        foreach (var c in now)
        {
            rows.Add(before.TryGetValue(Key(c), out var b) ? new Pair(b, c, common, before).Compare(absolute, threshold) : Only(c.Result, "only in the current result"));
        }

        var seen = now.Select(Key).ToHashSet();
        rows.AddRange(before.Values.Where(b => !seen.Contains(Key(b))).Select(b => Only(b.Result, "only in the baseline")));
        return new Comparison(absolute, threshold, rows);
    }

    private static (string, string, int) Key(RowSummary r) => (r.Result.Transport, r.Result.Workload, r.Result.MessageSize);

    private static ComparisonRow Only(CaseResult r, string note) => new()
    {
        Transport = r.Transport, Workload = r.Workload, MessageSize = r.MessageSize, Basis = "-", Note = note,
    };

    /// <summary>One result in both files, with the rows both files have (to find a common fastest transport).</summary>
    private sealed record Pair(RowSummary B, RowSummary C, List<RowSummary> Common, Dictionary<(string, string, int), RowSummary> Before)
    {
        public ComparisonRow Compare(bool absolute, double? threshold)
        {
            var row = Only(C.Result, "");
            if (C.Result.Failed || B.Result.Failed)
            {
                bool newFailure = C.Result.Failed && !B.Result.Failed;
                return row with
                {
                    Note = newFailure ? "failed in the current result" : C.Result.Failed ? "failed in both" : "failed in the baseline",
                    Regressed = newFailure && threshold is not null,
                };
            }

            string gate = C.Result.Workload == "throughput" ? "throughput" : "p50";
            if (absolute)
            {
                return Gated(row with
                {
                    Basis = "absolute",
                    P50 = Change(B.Result.Latency?.P50Ns, C.Result.Latency?.P50Ns),
                    P99 = Change(B.Result.Latency?.P99Ns, C.Result.Latency?.P99Ns),
                    Throughput = Change(B.Result.MessagesPerSecond, C.Result.MessagesPerSecond),
                }, gate, threshold);
            }

            var (rb, rc) = References();
            if (rb is null || rc is null)
            {
                return row with { Note = "no reference in both results; compare with --absolute" };
            }

            string basis = rb.Label == rc.Label ? rc.Label : $"{rb.Label} → {rc.Label}";
            if (rb.Kind != BaselineKind.Native && rb.IsSelf && rc.IsSelf)
            {
                return row with { Basis = basis, Note = "the reference itself" };
            }

            // A throughput row's per-message times are not what its native twin times (ipckit-native reports one
            // figure for the whole stream), so in ratio mode a throughput row compares its rate only.
            bool times = gate == "p50";
            return Gated(row with
            {
                Basis = basis,
                P50 = times ? Change(Ratio(B.Result.Latency?.P50Ns, rb.P50Ns), Ratio(C.Result.Latency?.P50Ns, rc.P50Ns)) : null,
                P99 = times ? Change(Ratio(B.Result.Latency?.P99Ns, rb.P99Ns), Ratio(C.Result.Latency?.P99Ns, rc.P99Ns)) : null,
                Throughput = Change(Ratio(B.Result.MessagesPerSecond, rb.MessagesPerSecond), Ratio(C.Result.MessagesPerSecond, rc.MessagesPerSecond)),
            }, gate, threshold);
        }

        /// <summary>
        /// The first kind of reference both results have (native, thread); failing those, the fastest transport of this
        /// workload and size in the current result among those both files measured without failure — the same transport
        /// on both sides, so that a transport present in only one file cannot move every ratio.
        /// </summary>
        private (Baseline? Before, Baseline? Now) References()
        {
            foreach (var kind in new[] { BaselineKind.Native, BaselineKind.Thread })
            {
                if (B.Baselines.TryGetValue(kind, out var b) && C.Baselines.TryGetValue(kind, out var c))
                {
                    return (b, c);
                }
            }

            var candidates = Common.Where(r => r.Result.Workload == C.Result.Workload && r.Result.MessageSize == C.Result.MessageSize
                                               && !r.Result.Failed && !Before[Key(r)].Result.Failed).ToList();
            var fastest = C.Result.Workload == "throughput"
                ? candidates.MaxBy(r => r.Result.MessagesPerSecond)
                : candidates.Where(r => r.Result.Latency is not null).MinBy(r => r.Result.Latency!.P50Ns);
            return fastest is null ? (null, null) : (Fastest(B.Result, Before[Key(fastest)].Result), Fastest(C.Result, fastest.Result));
        }

        private static Baseline Fastest(CaseResult row, CaseResult reference) =>
            new(BaselineKind.Fastest, reference.Transport, reference.Latency?.P50Ns ?? 0, reference.Latency?.P99Ns ?? 0, reference.MessagesPerSecond, null)
            {
                IsSelf = row.Transport == reference.Transport,
            };
    }

    private static ComparisonRow Gated(ComparisonRow row, string gate, double? threshold)
    {
        double? worse = gate == "throughput" ? -row.Throughput?.Relative : row.P50?.Relative;
        return row with
        {
            Gate = gate,
            Worse = worse,
            Regressed = threshold is { } t && worse is { } w && w > t,
            Note = worse is null ? $"no {gate} figure in both results" : null,
        };
    }

    private static double? Ratio(double? value, double reference) => value is { } v && v > 0 && reference > 0 ? v / reference : null;

    private static FigureChange? Change(double? baseline, double? current) =>
        baseline is { } b && current is { } c && b > 0 && c > 0 ? new FigureChange(b, c) : null;
}
