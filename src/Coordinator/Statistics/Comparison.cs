using System.Text.Json.Serialization;
using IpcKit.Coordinator.Results;

namespace IpcKit.Coordinator.Statistics;

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

    /// <summary>With --workers: how many workers ran at once; absent otherwise.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? Workers { get; init; }

    /// <summary>With --workers: pairs, fan-in or fan-out; absent otherwise.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Shape { get; init; }

    /// <summary>With --rate: the offered load in messages per second; absent otherwise.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? OfferedRate { get; init; }

    /// <summary>The row as a verdict names it: "unix latency 64 B", with the worker count or offered rate when it has one.</summary>
    [JsonIgnore]
    public string Label => new CaseKey(Transport, Workload, MessageSize, Workers, Shape, OfferedRate).Label;

    /// <summary>What the figures are: "absolute", or the native twin they are ratios to ("native unix").</summary>
    public required string Basis { get; init; }

    public FigureChange? P50 { get; init; }

    public FigureChange? P99 { get; init; }

    /// <summary>Messages per second (or its ratio to the reference's).</summary>
    public FigureChange? Throughput { get; init; }

    /// <summary>The figure the regression gate looks at: "p50" (latency, request) or "throughput".</summary>
    public string? Gate { get; init; }

    /// <summary>How much worse the gated figure's median got: p50 up by 0.3, or throughput down by 0.3, is 0.3; negative when better.</summary>
    public double? Worse { get; init; }

    /// <summary>
    /// The two-sided Mann–Whitney p-value of the gated figure's trials on the current side against the baseline's moved to
    /// the threshold line (with no threshold: against the baseline's as they are); 1 when either side has no trials. A
    /// side of several files tests all their trials pooled (<see cref="ResultPool"/>).
    /// </summary>
    public double? PValue { get; init; }

    /// <summary>
    /// <see cref="PValue"/> adjusted for testing every gated row of the comparison at once (Holm's step-down method), so
    /// that the chance of a false alarm anywhere in the comparison stays at 5%, however many rows it has.
    /// </summary>
    public double? AdjustedPValue { get; init; }

    /// <summary>True when the gated figure's median got worse by more than the threshold.</summary>
    public bool OverThreshold { get; init; }

    /// <summary>The noise of the gated figure: the wider relative half-width of the two files' 95% intervals (0.1 is ±10%).</summary>
    public double? Noise { get; init; }

    /// <summary>
    /// True when <see cref="Worse"/> is over the threshold and the trials are apart from the threshold line
    /// (<see cref="AdjustedPValue"/> below 0.05), or the case failed now and did not before.
    /// </summary>
    public bool Regressed { get; init; }

    /// <summary>True when <see cref="Worse"/> is over the threshold but the trials are not apart: not a verdict either way.</summary>
    public bool Inconclusive { get; init; }

    /// <summary>Why the row is not compared, or what else to know ("only in the baseline", "failed in the current run").</summary>
    public string? Note { get; init; }
}

/// <summary>
/// `ipckit compare`: the change of each result between a baseline file and a current one. Where both files measured
/// the native twin of a result it compares the ratios to it (per pair of trials), so that results from machines of
/// different speed, or the same machine on a busier day, still compare; otherwise, or with <c>absolute</c>, the raw
/// figures. A row regresses only when its gated figure is worse by more than the threshold and significantly so: the
/// current trials are apart (<see cref="MannWhitney"/>, Holm-adjusted over the rows) from the baseline's moved by the
/// threshold; worse by more but not significantly beyond the threshold is "inconclusive". Either side may be several
/// files pooled into one report first (<see cref="ResultPool"/>): the rows and the test are then over all their trials.
/// </summary>
internal sealed record Comparison(bool Absolute, double? Threshold, IReadOnlyList<ComparisonRow> Rows)
{
    public IReadOnlyList<ComparisonRow> Regressions => [.. Rows.Where(r => r.Regressed)];

    public IReadOnlyList<ComparisonRow> Inconclusives => [.. Rows.Where(r => r.Inconclusive)];

    /// <summary>The baseline's files (several when pooled, <see cref="ResultPool"/>); empty when compared from reports.</summary>
    public IReadOnlyList<string> BaselineFiles { get; init; } = [];

    /// <summary>The current result's files.</summary>
    public IReadOnlyList<string> CurrentFiles { get; init; } = [];

    /// <summary>True when either side pooled more than one file.</summary>
    public bool Pooled => BaselineFiles.Count > 1 || CurrentFiles.Count > 1;

    /// <summary>What the pooling says about the files: settings they disagree on, rows some of them lack.</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];

    /// <summary>Compares two sides, each one result file or several pooled (<see cref="ResultPool"/>).</summary>
    public static Comparison Of(PooledSide baseline, PooledSide current, bool absolute, double? threshold) =>
        Of(baseline.Report, current.Report, absolute, threshold) with
        {
            BaselineFiles = baseline.Files,
            CurrentFiles = current.Files,
            Notes = [.. baseline.Notes, .. current.Notes],
        };

    public static Comparison Of(BenchReport baseline, BenchReport current, bool absolute, double? threshold)
    {
        var before = Summary.Of(baseline).Rows.ToDictionary(Key);
        var now = Summary.Of(current).Rows;
        var rows = new List<ComparisonRow>();
        foreach (var c in now)
        {
            rows.Add(before.TryGetValue(Key(c), out var b) ? Compare(b, c, absolute, threshold) : Only(c.Result, "only in the current result"));
        }

        var seen = now.Select(Key).ToHashSet();
        rows.AddRange(before.Values.Where(b => !seen.Contains(Key(b))).Select(b => Only(b.Result, "only in the baseline")));
        return new Comparison(absolute, threshold, Holm(rows));
    }

    /// <summary>
    /// Holm's step-down adjustment over the rows that were tested: with p-values sorted ascending p(1) … p(m), the
    /// adjusted p(i) is the largest of (m − j + 1) · p(j) for j ≤ i, capped at 1. A gate that fails when any of 16 rows
    /// is significant would otherwise raise a false alarm far more often than 5% of the time. Only then is a row over
    /// the threshold a regression; otherwise it is inconclusive.
    /// </summary>
    private static List<ComparisonRow> Holm(List<ComparisonRow> rows)
    {
        var tested = rows.Select((row, index) => (row, index)).Where(x => x.row.PValue is not null).OrderBy(x => x.row.PValue).ToList();
        double running = 0;
        for (int i = 0; i < tested.Count; i++)
        {
            var (row, index) = tested[i];
            running = Math.Max(running, Math.Min(1, (tested.Count - i) * row.PValue!.Value));
            bool apart = running < MannWhitney.Alpha;
            rows[index] = row with
            {
                AdjustedPValue = running,
                Regressed = row.OverThreshold && apart,
                Inconclusive = row.OverThreshold && !apart,
            };
        }

        return rows;
    }

    // With --workers or --rate one size has a row per worker count or rate: they are different cases, not one.
    private static CaseKey Key(RowSummary r) => CaseKey.Of(r.Result);

    private static ComparisonRow Only(CaseResult r, string note) => new()
    {
        Transport = r.Transport, Workload = r.Workload, MessageSize = r.MessageSize,
        Workers = r.Workers, Shape = r.Shape, OfferedRate = r.OfferedRate, Basis = "-", Note = note,
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

        bool stream = c.Result.Workload == "throughput";
        string gate = stream ? "throughput" : "p50";
        var column = stream ? Column.Rate : Column.P50;
        if (!absolute && b.Baseline is { Ratio: { } rb } nb && c.Baseline is { Ratio: { } rc } nc)
        {
            // A throughput row's per-message times are not what its native twin times (ipckit-native reports one
            // figure for the whole stream), so in ratio mode a throughput row compares its rate only.
            return Gated(row with
            {
                Basis = nb.Label == nc.Label ? nc.Label : $"{nb.Label} → {nc.Label}",
                P50 = stream ? null : Change(rb.Median, rc.Median),
                P99 = stream ? null : Change(Ratio(b.Result.Latency?.P99Ns, nb.P99Ns), Ratio(c.Result.Latency?.P99Ns, nc.P99Ns)),
                Throughput = stream ? Change(rb.Median, rc.Median) : null,
            }, gate, threshold, RatioTrials(b.Result), RatioTrials(c.Result), rb, rc);
        }

        return Gated(row with
        {
            Basis = absolute ? "absolute" : "absolute (no native twin in both)",
            P50 = Change(Summary.Value(b, Column.P50), Summary.Value(c, Column.P50)),
            P99 = Change(b.Result.Latency?.P99Ns, c.Result.Latency?.P99Ns),
            Throughput = Change(b.Result.MessagesPerSecond, c.Result.MessagesPerSecond),
        }, gate, threshold, Summary.TrialValues(b, column), Summary.TrialValues(c, column), Estimate(b.Result, stream), Estimate(c.Result, stream));
    }

    private static ComparisonRow Gated(
        ComparisonRow row, string gate, double? threshold, IReadOnlyList<double> before, IReadOnlyList<double> now, Estimate? eb, Estimate? ec)
    {
        double? worse = gate == "throughput" ? -row.Throughput?.Relative : row.P50?.Relative;
        // Significantly worse by more than the threshold, not merely significantly different: the baseline's trials are
        // moved to the threshold line (p50 × 1.25, or messages/s × 0.75, for 25%) before the test, so that the trials
        // must show the change is beyond the threshold. A busier minute during one of the two runs moves every trial
        // of that run a little and can make two runs "different"; it rarely moves them past the threshold.
        double line = threshold is not { } th ? 1 : gate == "throughput" ? Math.Max(0, 1 - th) : 1 + th;
        double p = MannWhitney.TwoSidedP([.. before.Select(v => v * line)], now);
        return row with
        {
            Gate = gate,
            Worse = worse,
            PValue = worse is null ? null : p,
            OverThreshold = threshold is { } t && worse is { } w && w > t,
            Noise = Math.Max(eb is null ? 0 : Estimates.RelativeHalfWidth(eb), ec is null ? 0 : Estimates.RelativeHalfWidth(ec)),
            Note = worse is null ? $"no {gate} figure in both results" : null,
        };
    }

    private static IReadOnlyList<double> RatioTrials(CaseResult r) => [.. r.Trials.Select(t => t.Reference?.Ratio).OfType<double>()];

    private static Estimate? Estimate(CaseResult r, bool stream) => stream ? r.Rate : r.P50;

    private static double? Ratio(double? value, double reference) => value is { } v && v > 0 && reference > 0 ? v / reference : null;

    private static FigureChange? Change(double? baseline, double? current) =>
        baseline is { } b && current is { } c && b > 0 && c > 0 ? new FigureChange(b, c) : null;
}
