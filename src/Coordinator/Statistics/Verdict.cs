using IpcKit.Coordinator.Results;
using IpcKit.Transports;

namespace IpcKit.Coordinator.Statistics;

/// <summary>How a ranked transport stands against the one ranked just before it.</summary>
internal enum Standing
{
    /// <summary>The first of its ranking.</summary>
    First,

    /// <summary>Not apart from the one before (Mann–Whitney over their trials, p ≥ 0.05): the same within noise.</summary>
    Same,

    /// <summary>Significantly worse than the one before, by less than <see cref="Verdict.FarFactor"/>.</summary>
    Behind,

    /// <summary>Significantly worse than the one before, by <see cref="Verdict.FarFactor"/> or more.</summary>
    FarBehind,
}

/// <summary>One transport in a ranking: its headline figure, how it stands against the one before it, its native twin.</summary>
/// <param name="Transport">The transport's scheme.</param>
/// <param name="Figure">p50 in ns (latency, request) or messages per second (throughput): the median over trials.</param>
/// <param name="Standing">Against the transport ranked just before it.</param>
/// <param name="Native">Its native twin's ratio and label, when it has one.</param>
internal sealed record Ranked(string Transport, double Figure, Standing Standing, Baseline? Native)
{
    /// <summary>
    /// For a round trip through shared memory: the row against each floor that was measured with a ratio
    /// (<see cref="FloorKind.All"/>, in that order: <see cref="CaseResult.Floor"/>, <see cref="CaseResult.SlotFloor"/>).
    /// </summary>
    public IReadOnlyList<NativeFigures> Floors { get; init; } = [];

    /// <summary>For a request case: its serialization alone (<see cref="CaseResult.Codec"/>), in ns.</summary>
    public Estimate? Codec { get; init; }
}

/// <summary>How many times better one transport is than another, per pair of trials (trial i of each ran in round i).</summary>
/// <param name="Better">The better one.</param>
/// <param name="Worse">The other.</param>
/// <param name="Times">How many times better: its median over the pairs, with spread and 95% interval.</param>
/// <param name="Apart">True when their trials are apart (Mann–Whitney, p &lt; 0.05); false when the same within noise.</param>
internal sealed record Lead(string Better, string Worse, Estimate Times, bool Apart = true);

/// <summary>
/// The answer for one workload and message size: the transports between processes ranked by their headline figure,
/// best first, each marked as the same within noise as the one before or apart from it; the in-process baselines
/// ranked apart (what threads sharing memory pay); how far the leader is ahead; what crossing the process boundary
/// costs against the best baseline; the cases that failed and are not ranked.
/// </summary>
internal sealed record VerdictLine
{
    public required string Workload { get; init; }

    public required int MessageSize { get; init; }

    /// <summary><see cref="Column.P50"/> (less is better) or <see cref="Column.Rate"/> (more is better).</summary>
    public required Column Column { get; init; }

    /// <summary>The transports between two processes, best first.</summary>
    public required IReadOnlyList<Ranked> Transports { get; init; }

    /// <summary>The in-process baselines (thread, channel, shared), best first.</summary>
    public required IReadOnlyList<Ranked> Baselines { get; init; }

    /// <summary>The leader against the runner-up, when the two are apart; null otherwise.</summary>
    public Lead? Leader { get; init; }

    /// <summary>The best process transport against the best in-process baseline: what crossing the boundary costs here.</summary>
    public Lead? Boundary { get; init; }

    /// <summary>Transports that failed or lost or corrupted messages in this case: not ranked.</summary>
    public IReadOnlyList<string> Failed { get; init; } = [];

    public bool HigherIsBetter => Summary.HigherIsBetter(Column);
}

/// <summary>
/// The verdict of a run, one <see cref="VerdictLine"/> per workload and size: which transport to use, as far as the
/// figures can say it. Significance comes from the trials (<see cref="MannWhitney"/>), as for the best marks; the
/// ratios are per pair of trials, as for the native ratios. What to pick for other reasons (access, lifetime, reach) is
/// in <see cref="Guide"/>.
/// </summary>
internal sealed record Verdict(IReadOnlyList<VerdictLine> Lines)
{
    /// <summary>Where the choice is explained beyond speed.</summary>
    public const string Guide = "docs/choosing-a-transport.md";

    /// <summary>A transport at least this many times worse than the one before it is "far behind" (≪): an order of magnitude.</summary>
    public const double FarFactor = 10;

    /// <summary>True when a transport of this name runs both sides in one process (thread, channel, shared).</summary>
    public static bool IsInProcess(string transport) =>
        TransportRegistry.Default.TryGet(transport, out var t) && t is IInProcessTransport;

    public static Verdict Of(Summary summary)
    {
        var lines = new List<VerdictLine>();
        foreach (string workload in summary.Workloads)
        {
            var column = workload == "throughput" ? Column.Rate : Column.P50;
            foreach (int size in summary.SizesOf(workload))
            {
                var rows = summary.RowsOf(workload, size).ToList();
                var ok = rows.Where(r => !r.Result.Failed && Summary.Value(r, column) is not null).ToList();
                var transports = Rank(ok.Where(r => !IsInProcess(r.Result.Transport)).ToList(), column);
                var baselines = Rank(ok.Where(r => IsInProcess(r.Result.Transport)).ToList(), column);
                lines.Add(new VerdictLine
                {
                    Workload = workload,
                    MessageSize = size,
                    Column = column,
                    Transports = [.. transports.Select(x => x.Ranked)],
                    Baselines = [.. baselines.Select(x => x.Ranked)],
                    Leader = transports.Count >= 2 && transports[1].Ranked.Standing != Standing.Same ? LeadOf(transports[0].Row, transports[1].Row, column) : null,
                    Boundary = transports.Count >= 1 && baselines.Count >= 1 ? LeadOf(baselines[0].Row, transports[0].Row, column) : null,
                    Failed = [.. rows.Where(r => r.Result.Failed).Select(r => r.Result.Transport)],
                });
            }
        }

        return new Verdict(lines);
    }

    /// <summary>Rows best first, each with its standing against the one before it.</summary>
    private static List<(RowSummary Row, Ranked Ranked)> Rank(List<RowSummary> rows, Column column)
    {
        bool higher = Summary.HigherIsBetter(column);
        var sorted = rows.OrderBy(r => higher ? -Summary.Value(r, column)!.Value : Summary.Value(r, column)!.Value).ToList();
        var ranked = new List<(RowSummary, Ranked)>();
        for (int i = 0; i < sorted.Count; i++)
        {
            var row = sorted[i];
            var standing = Standing.First;
            if (i > 0)
            {
                var before = sorted[i - 1];
                bool apart = MannWhitney.Apart(Summary.TrialValues(before, column), Summary.TrialValues(row, column));
                double factor = Factor(Summary.Value(before, column)!.Value, Summary.Value(row, column)!.Value, higher);
                standing = !apart ? Standing.Same : factor >= FarFactor ? Standing.FarBehind : Standing.Behind;
            }

            ranked.Add((row, new Ranked(row.Result.Transport, Summary.Value(row, column)!.Value, standing, row.Baseline is { Ratio: not null } b ? b : null)
            {
                Floors = [.. FloorKind.All.Select(k => k.CaseOf(row.Result)).OfType<NativeFigures>().Where(f => f is { Ratio: not null, Error: null })],
                Codec = row.Result.Codec,
            }));
        }

        return ranked;
    }

    /// <summary>
    /// How many times <paramref name="better"/> is better than <paramref name="worse"/>: per pair of trials when both
    /// have the same number (trial i of every case ran in round i, under the same load), else from the medians.
    /// </summary>
    public static Lead? LeadOf(RowSummary better, RowSummary worse, Column column)
    {
        bool higher = Summary.HigherIsBetter(column);
        var a = Summary.TrialValues(better, column);
        var b = Summary.TrialValues(worse, column);
        var pairs = a.Count == b.Count && a.Count > 0
            ? a.Zip(b, (x, y) => Factor(x, y, higher)).Where(double.IsFinite).ToList()
            : [];
        if (pairs.Count == 0 && Summary.Value(better, column) is { } x0 && Summary.Value(worse, column) is { } y0 && double.IsFinite(Factor(x0, y0, higher)))
        {
            pairs = [Factor(x0, y0, higher)];
        }

        return Estimates.Of(pairs) is { } times ? new Lead(better.Result.Transport, worse.Result.Transport, times, MannWhitney.Apart(a, b)) : null;
    }

    /// <summary>How many times <paramref name="x"/> is better than <paramref name="y"/>: y ÷ x for times, x ÷ y for rates.</summary>
    private static double Factor(double x, double y, bool higherIsBetter) =>
        x <= 0 || y <= 0 ? double.NaN : higherIsBetter ? x / y : y / x;
}
