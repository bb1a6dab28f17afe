namespace IpcKit.Coordinator.Results;

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

/// <summary>What a ratio is taken against, in the order a reference is chosen when several are present.</summary>
internal enum BaselineKind
{
    /// <summary>For a framework peer: the bare transport it rides on, with the same request workload in the same run.</summary>
    Bare,

    /// <summary>The native C twin of the same mechanism, measured in the same run (--reference native).</summary>
    Native,

    /// <summary>The in-process <c>thread</c> transport of the same workload and size in the same run.</summary>
    Thread,

    /// <summary>The fastest transport of the same workload and size in the same run.</summary>
    Fastest,
}

/// <summary>
/// The figures a row is put against: where they come from (<see cref="Kind"/>, <see cref="Name"/>: the native
/// mechanism or the transport) and the ratio of the row to them (see <see cref="NativeFigures.Ratio"/> for the rule).
/// </summary>
internal sealed record Baseline(BaselineKind Kind, string Name, long P50Ns, long P99Ns, double MessagesPerSecond, double? Ratio)
{
    /// <summary>True when the row is its own reference (the thread row, or the fastest row): its ratio says nothing.</summary>
    public bool IsSelf { get; init; }

    public string Label => Kind switch
    {
        BaselineKind.Native => $"native {Name}",
        BaselineKind.Bare => $"bare {Name}",
        BaselineKind.Thread => "thread",
        _ => $"fastest: {Name}",
    };
}

/// <summary>One result with what the exporters show next to it: derived costs, its reference, its best marks.</summary>
internal sealed record RowSummary(CaseResult Result)
{
    /// <summary>Both processes' CPU time per operation, in nanoseconds; null without CPU figures.</summary>
    public double? CpuPerOpNs { get; init; }

    /// <summary>Both processes' context switches (voluntary and not) per operation; null without CPU figures.</summary>
    public double? SwitchesPerOp { get; init; }

    /// <summary>The reference of this row, chosen by <see cref="Summary.Priority"/>; null when there is none.</summary>
    public Baseline? Baseline { get; init; }

    /// <summary>Every reference this row has, by kind (for `ipckit compare`, which needs one both files share).</summary>
    public IReadOnlyDictionary<BaselineKind, Baseline> Baselines { get; init; } = new Dictionary<BaselineKind, Baseline>();

    /// <summary>The columns in which this row has the best figure of its workload and size (ties share it).</summary>
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
    /// <summary>
    /// The order in which a row's reference is chosen: a framework peer's bare transport, else native where measured,
    /// else thread, else the fastest.
    /// </summary>
    public static readonly IReadOnlyList<BaselineKind> Priority = [BaselineKind.Bare, BaselineKind.Native, BaselineKind.Thread, BaselineKind.Fastest];

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

    /// <summary>True when some row has a reference other than itself: worth a ratio column.</summary>
    public bool HasRatios => Rows.Any(r => r.Baseline is { IsSelf: false, Ratio: not null });

    /// <summary>The sizes of one workload, in the order they were run.</summary>
    public IReadOnlyList<int> SizesOf(string workload) =>
        [.. Report.Results.Where(r => r.Workload == workload).Select(r => r.MessageSize).Distinct()];

    public IEnumerable<RowSummary> RowsOf(string workload) => Rows.Where(r => r.Result.Workload == workload);

    public IEnumerable<RowSummary> RowsOf(string workload, int size) => RowsOf(workload).Where(r => r.Result.MessageSize == size);

    public static Summary Of(BenchReport report)
    {
        var rows = report.Results.Select(r => new RowSummary(r) { CpuPerOpNs = CpuPerOp(r), SwitchesPerOp = SwitchesPerOp(r) }).ToList();
        var groups = rows.Select((row, index) => (row, index)).GroupBy(x => (x.row.Result.Workload, x.row.Result.MessageSize));
        foreach (var group in groups)
        {
            var ok = group.Where(x => !x.row.Result.Failed).Select(x => x.row.Result).ToList();
            var best = BestPerColumn(group.Select(x => x.row).Where(r => !r.Result.Failed).ToList());
            var thread = ok.FirstOrDefault(r => r.Transport == "thread");
            var fastest = Fastest(ok);
            foreach (var (row, index) in group)
            {
                var baselines = new Dictionary<BaselineKind, Baseline>();
                var r = row.Result;
                if (!r.Failed)
                {
                    if (r.Reference is { Error: null } n && (n.P50Ns > 0 || n.MessagesPerSecond > 0))
                    {
                        baselines[BaselineKind.Native] = new Baseline(BaselineKind.Native, n.Mechanism, n.P50Ns, n.P99Ns, n.MessagesPerSecond,
                            n.Ratio ?? NativeFigures.RatioOf(r, n.P50Ns, n.MessagesPerSecond));
                    }

                    if (r.Bare is { Ratio: not null } bare)
                    {
                        baselines[BaselineKind.Bare] = new Baseline(BaselineKind.Bare, bare.Transport, bare.P50Ns, bare.P99Ns, 0, bare.Ratio);
                    }

                    if (thread is not null)
                    {
                        baselines[BaselineKind.Thread] = Against(BaselineKind.Thread, r, thread);
                    }

                    if (fastest is not null)
                    {
                        baselines[BaselineKind.Fastest] = Against(BaselineKind.Fastest, r, fastest);
                    }
                }

                rows[index] = row with
                {
                    Baselines = baselines,
                    Baseline = Priority.Select(k => baselines.GetValueOrDefault(k)).FirstOrDefault(b => b is not null),
                    Best = r.Failed || ok.Count < 2 ? new HashSet<Column>() : best.Where(b => IsAtBest(row, b.Key, b.Value)).Select(b => b.Key).ToHashSet(),
                };
            }
        }

        return new Summary(report, rows);
    }

    /// <summary>A figure of a row by column, or null when the row has none.</summary>
    public static double? Value(RowSummary row, Column column)
    {
        var r = row.Result;
        var l = r.Latency;
        return column switch
        {
            Column.P50 => l?.P50Ns,
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

    private static Dictionary<Column, double> BestPerColumn(List<RowSummary> rows)
    {
        var best = new Dictionary<Column, double>();
        foreach (var column in Enum.GetValues<Column>())
        {
            var values = rows.Select(r => Value(r, column)).OfType<double>().ToList();
            if (values.Count > 0)
            {
                best[column] = HigherIsBetter(column) ? values.Max() : values.Min();
            }
        }

        return best;
    }

    private static bool IsAtBest(RowSummary row, Column column, double best) => Value(row, column) is { } v && v == best;

    private static CaseResult? Fastest(List<CaseResult> ok)
    {
        if (ok.Count == 0)
        {
            return null;
        }

        return ok[0].Workload == "throughput"
            ? ok.MaxBy(r => r.MessagesPerSecond)
            : ok.Where(r => r.Latency is not null).MinBy(r => r.Latency!.P50Ns);
    }

    private static Baseline Against(BaselineKind kind, CaseResult row, CaseResult reference)
    {
        long p50 = reference.Latency?.P50Ns ?? 0;
        return new Baseline(kind, reference.Transport, p50, reference.Latency?.P99Ns ?? 0, reference.MessagesPerSecond,
            NativeFigures.RatioOf(row, p50, reference.MessagesPerSecond))
        {
            IsSelf = ReferenceEquals(row, reference),
        };
    }

    /// <summary>Both processes' CPU time per operation in nanoseconds, or null without CPU figures.</summary>
    internal static double? CpuPerOp(CaseResult r) => r.Cpu is { } c && r.Operations > 0
        ? (c.Coordinator.UserMs + c.Coordinator.SystemMs + c.Worker.UserMs + c.Worker.SystemMs) * 1e6 / r.Operations
        : null;

    private static double? SwitchesPerOp(CaseResult r) => r.Cpu is { } c && r.Operations > 0
        ? (double)(c.Coordinator.VoluntaryContextSwitches + c.Worker.VoluntaryContextSwitches
                   + c.Coordinator.InvoluntaryContextSwitches + c.Worker.InvoluntaryContextSwitches) / r.Operations
        : null;
}
