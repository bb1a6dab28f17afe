using IpcKit.Coordinator.Results;

namespace IpcKit.Coordinator.Statistics;

/// <summary>A column of the result tables whose best figure is marked.</summary>
internal enum Column
{
    P50,
    P90,
    P99,
    P999,
    Max,
    Mean,
    Rate,
    Bytes,
    CpuPerOp,
    SwitchesPerOp,
}

/// <summary>
/// The reference a row's ratio is taken against: the native C twin of the same mechanism, measured next to each trial
/// (--reference native). A transport of the same run ("the fastest", or thread) is no reference: its own swing from run
/// to run would be multiplied into every other row (issue 11).
/// </summary>
/// <param name="Name">The native mechanism.</param>
/// <param name="P50Ns">The twin's median p50 over its trials.</param>
/// <param name="P99Ns">The twin's median p99 over its trials.</param>
/// <param name="MessagesPerSecond">The twin's median rate over its trials.</param>
/// <param name="Ratio">The row against the twin, per pair of trials, summarised (see <see cref="NativeFigures.Ratio"/>).</param>
internal sealed record Baseline(string Name, long P50Ns, long P99Ns, double MessagesPerSecond, Estimate? Ratio)
{
    /// <summary>What the reference is: a native twin, a framework peer's bare transport, or a transport's own raw round trip.</summary>
    public ReferenceKind Kind { get; init; }

    /// <summary>
    /// True when the reference is a framework peer's bare transport (<see cref="CaseResult.Bare"/>): the IpcKit transport
    /// it rides on, measured in the same run's rounds, rather than a native twin.
    /// </summary>
    public bool IsBare => Kind == ReferenceKind.Bare;

    public bool IsNative => Kind == ReferenceKind.Native;

    public string Label => Kind switch
    {
        ReferenceKind.Bare => $"bare {Name}",
        ReferenceKind.Raw => $"raw {Name}",
        _ => $"native {Name}",
    };
}

/// <summary>What a row's reference is (<see cref="Baseline.Kind"/>).</summary>
internal enum ReferenceKind
{
    /// <summary>The native C twin of the same mechanism (--reference native).</summary>
    Native,

    /// <summary>A framework peer's bare transport: the same request workload straight over the IpcKit transport under it.</summary>
    Bare,

    /// <summary>A transport's typed request against its own raw byte round trip (latency workload) in the same run.</summary>
    Raw,
}

/// <summary>One result with what the exporters show next to it: derived costs, its reference, its best marks.</summary>
internal sealed record RowSummary(CaseResult Result)
{
    /// <summary>Both processes' CPU time per operation, in nanoseconds; null without CPU figures.</summary>
    public double? CpuPerOpNs { get; init; }

    /// <summary>Both processes' context switches (voluntary and not) per operation; null without CPU figures.</summary>
    public double? SwitchesPerOp { get; init; }

    /// <summary>The native twin this row is put against; null when there is none.</summary>
    public Baseline? Baseline { get; init; }

    /// <summary>
    /// The columns in which this row has the best median of its workload and size and is apart from the runner-up
    /// (a Mann–Whitney test over their trials, <see cref="MannWhitney"/>); where it is not, no row is marked: the
    /// figures are the same within noise.
    /// </summary>
    public IReadOnlySet<Column> Best { get; init; } = new HashSet<Column>();

    public bool IsBest(Column column) => Best.Contains(column);
}

/// <summary>
/// The layer between the results and the exporters (as BenchmarkDotNet's Summary is): every figure an exporter shows
/// that is not in <see cref="CaseResult"/> itself is computed here once, so that the console, Markdown, CSV, SVG and
/// HTML outputs can never disagree.
/// </summary>
internal sealed class Summary
{
    private Summary(BenchReport report, IReadOnlyList<RowSummary> rows)
    {
        Report = report;
        Rows = rows;
        Transports = [.. report.Results.Select(r => r.Transport).Distinct()];
        Workloads = [.. report.Results.Select(r => r.Workload).Distinct()];
    }

    public BenchReport Report { get; }

    /// <summary>One per result, in the report's order.</summary>
    public IReadOnlyList<RowSummary> Rows { get; }

    /// <summary>Transports in the order they first appear: their colours in the charts follow this order.</summary>
    public IReadOnlyList<string> Transports { get; }

    public IReadOnlyList<string> Workloads { get; }

    /// <summary>True when some row has a ratio to its native twin: worth a ratio column.</summary>
    public bool HasRatios => Rows.Any(r => r.Baseline is { Ratio: not null });

    /// <summary>The sizes of one workload, in the order they were run.</summary>
    public IReadOnlyList<int> SizesOf(string workload) =>
        [.. Report.Results.Where(r => r.Workload == workload).Select(r => r.MessageSize).Distinct()];

    public IEnumerable<RowSummary> RowsOf(string workload) => Rows.Where(r => r.Result.Workload == workload);

    public IEnumerable<RowSummary> RowsOf(string workload, int size) => RowsOf(workload).Where(r => r.Result.MessageSize == size);

    /// <summary>"64 B round trip": what a typed request is set against.</summary>
    private static string RawName(BareFigures raw) =>
        (raw.MessageSize ?? 0) < 1024 ? $"{raw.MessageSize} B round trip" : $"{Format.Size(raw.MessageSize ?? 0)} round trip";

    public static Summary Of(BenchReport report)
    {
        var rows = report.Results.Select(r => new RowSummary(r)
        {
            CpuPerOpNs = CpuPerOp(r.Cpu, r.Operations),
            SwitchesPerOp = SwitchesPerOp(r.Cpu, r.Operations),
            Baseline = r.Failed ? null
                : r.Bare is { Ratio: not null } bare ? new Baseline(bare.Transport, bare.P50Ns, bare.P99Ns, 0, bare.Ratio) { Kind = ReferenceKind.Bare }
                : r.Raw is { Ratio: not null } raw ? new Baseline(RawName(raw), raw.P50Ns, raw.P99Ns, 0, raw.Ratio) { Kind = ReferenceKind.Raw }
                : r.Reference is { Error: null } n && (n.P50Ns > 0 || n.MessagesPerSecond > 0)
                ? new Baseline(n.Mechanism, n.P50Ns, n.P99Ns, n.MessagesPerSecond, n.Ratio)
                : null,
        }).ToList();
        var groups = rows.Select((row, index) => (row, index)).GroupBy(x => (x.row.Result.Workload, x.row.Result.MessageSize, x.row.Result.Workers, x.row.Result.Shape, x.row.Result.OfferedRate));
        foreach (var group in groups)
        {
            var ok = group.Where(x => !x.row.Result.Failed).ToList();
            foreach (var column in Enum.GetValues<Column>())
            {
                if (BestApart(ok.Select(x => x.row).ToList(), column) is { } best)
                {
                    int index = ok[best].index;
                    rows[index] = rows[index] with { Best = new HashSet<Column>(rows[index].Best) { column } };
                }
            }
        }

        return new Summary(report, rows);
    }

    /// <summary>
    /// The position in <paramref name="rows"/> of the row with the best median in <paramref name="column"/>, when its
    /// trials are apart from those of the runner-up; null when there is no runner-up or they are the same within noise.
    /// </summary>
    private static int? BestApart(IReadOnlyList<RowSummary> rows, Column column)
    {
        var ranked = rows.Select((row, i) => (i, Median: Value(row, column), Trials: TrialValues(row, column)))
            .Where(x => x.Median is not null)
            .OrderBy(x => HigherIsBetter(column) ? -x.Median!.Value : x.Median!.Value)
            .ToList();
        return ranked.Count >= 2 && MannWhitney.Apart(ranked[0].Trials, ranked[1].Trials) ? ranked[0].i : null;
    }

    /// <summary>The figure of each trial of a row in a column (one value for a file without trials).</summary>
    public static IReadOnlyList<double> TrialValues(RowSummary row, Column column)
    {
        var trials = row.Result.Trials;
        if (trials.Count == 0)
        {
            return Value(row, column) is { } v ? [v] : [];
        }

        return [.. trials.Select(t => column switch
        {
            Column.P50 => t.Latency?.P50Ns,
            Column.P90 => t.Latency?.P90Ns,
            Column.P99 => t.Latency?.P99Ns,
            Column.P999 => t.Latency?.P999Ns,
            Column.Max => t.Latency?.MaxNs,
            Column.Mean => t.Latency?.MeanNs,
            Column.Rate => t.MessagesPerSecond > 0 ? t.MessagesPerSecond : null,
            Column.Bytes => t.BytesPerSecond > 0 ? t.BytesPerSecond : null,
            Column.CpuPerOp => CpuPerOp(t.Cpu, t.Operations),
            Column.SwitchesPerOp => SwitchesPerOp(t.Cpu, t.Operations),
            _ => null,
        }).OfType<double>()];
    }

    /// <summary>A figure of a row over its trials: median, spread and 95% interval (for error bars); null when it has none.</summary>
    public static Estimate? EstimateOf(RowSummary row, Column column) => Estimates.Of(TrialValues(row, column));

    /// <summary>A figure of a row by column, or null when the row has none.</summary>
    public static double? Value(RowSummary row, Column column)
    {
        var r = row.Result;
        var l = r.Latency;
        return column switch
        {
            Column.P50 => r.P50?.Median ?? l?.P50Ns,
            Column.P90 => l?.P90Ns,
            Column.P99 => l?.P99Ns,
            Column.P999 => l?.P999Ns,
            Column.Max => l?.MaxNs,
            Column.Mean => l?.MeanNs,
            Column.Rate => r.MessagesPerSecond > 0 ? r.MessagesPerSecond : null,
            Column.Bytes => r.BytesPerSecond > 0 ? r.BytesPerSecond : null,
            Column.CpuPerOp => row.CpuPerOpNs,
            Column.SwitchesPerOp => row.SwitchesPerOp,
            _ => null,
        };
    }

    /// <summary>True for the columns where more is better (rates); false where less is better (times, costs).</summary>
    public static bool HigherIsBetter(Column column) => column is Column.Rate or Column.Bytes;

    /// <summary>Both processes' CPU time per operation in nanoseconds, or null without CPU figures.</summary>
    internal static double? CpuPerOp(CpuUsage? cpu, long operations) => cpu is { } c && operations > 0
        ? (c.Coordinator.UserMs + c.Coordinator.SystemMs + c.Worker.UserMs + c.Worker.SystemMs) * 1e6 / operations
        : null;

    private static double? SwitchesPerOp(CpuUsage? cpu, long operations) => cpu is { } c && operations > 0
        ? (double)(c.Coordinator.VoluntaryContextSwitches + c.Worker.VoluntaryContextSwitches
                   + c.Coordinator.InvoluntaryContextSwitches + c.Worker.InvoluntaryContextSwitches) / operations
        : null;
}
