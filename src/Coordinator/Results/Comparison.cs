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
        var rows = new List<ComparisonRow>();
        foreach (var c in now)
        {
            var key = Key(c);
            rows.Add(before.Remove(key, out var b) ? Compare(b, c, absolute, threshold) : Only(c.Result, "only in the current result"));
        }

        rows.AddRange(before.Values.Select(b => Only(b.Result, "only in the baseline")));
        return new Comparison(absolute, threshold, rows);
    }

    private static (string, string, int) Key(RowSummary r) => (r.Result.Transport, r.Result.Workload, r.Result.MessageSize);

    private static ComparisonRow Only(CaseResult r, string note) => new()
    {
        Transport = r.Transport, Workload = r.Workload, MessageSize = r.MessageSize, Basis = "-", Note = note,
    };

    private static ComparisonRow Compare(RowSummary b, RowSummary c, bool absolute, double? threshold)
    {
        var row = Only(c.Result, "");
        if (c.Result.Failed || b.Result.Failed)
        {
            bool newFailure = c.Result.Failed && !b.Result.Failed;
            return row with
            {
                Note = newFailure ? "failed in the current result" : c.Result.Failed ? "failed in both" : "failed in the baseline",
                Regressed = newFailure && threshold is not null,
            };
        }

        string gate = c.Result.Workload == "throughput" ? "throughput" : "p50";
        if (absolute)
        {
            return Gated(row with
            {
                Basis = "absolute",
                P50 = Change(b.Result.Latency?.P50Ns, c.Result.Latency?.P50Ns),
                P99 = Change(b.Result.Latency?.P99Ns, c.Result.Latency?.P99Ns),
                Throughput = Change(b.Result.MessagesPerSecond, c.Result.MessagesPerSecond),
            }, gate, threshold);
        }

        var kind = Summary.Priority.Cast<BaselineKind?>().FirstOrDefault(k => b.Baselines.ContainsKey(k!.Value) && c.Baselines.ContainsKey(k.Value));
        if (kind is null)
        {
            return row with { Note = "no reference in both results; compare with --absolute" };
        }

        var rb = b.Baselines[kind.Value];
        var rc = c.Baselines[kind.Value];
        string basis = rb.Label == rc.Label ? rc.Label : $"{rb.Label} → {rc.Label}";
        if (kind == BaselineKind.Thread && rb.IsSelf && rc.IsSelf)
        {
            return row with { Basis = basis, Note = "the reference itself" };
        }

        return Gated(row with
        {
            Basis = basis,
            P50 = Change(Ratio(b.Result.Latency?.P50Ns, rb.P50Ns), Ratio(c.Result.Latency?.P50Ns, rc.P50Ns)),
            P99 = Change(Ratio(b.Result.Latency?.P99Ns, rb.P99Ns), Ratio(c.Result.Latency?.P99Ns, rc.P99Ns)),
            Throughput = Change(Ratio(b.Result.MessagesPerSecond, rb.MessagesPerSecond), Ratio(c.Result.MessagesPerSecond, rc.MessagesPerSecond)),
        }, gate, threshold);
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
