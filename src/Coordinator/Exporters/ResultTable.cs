using IpcKit.Coordinator.Results;
using IpcKit.Coordinator.Statistics;

namespace IpcKit.Coordinator.Exporters;

/// <summary>One cell of a result table: its text, and whether it is the best of its column or a bad figure (loss, failure).</summary>
internal sealed record Cell(string Text, bool Best = false, bool Bad = false);

/// <summary>
/// A column of a result table: the name --columns knows it by, its header, whether it holds figures, and its priority
/// (the higher, the later it is dropped to fit a narrow terminal; transport, size and p50 are never dropped).
/// </summary>
internal sealed record TableColumn(string Key, string Header, bool Numeric, int Priority);

/// <summary>
/// The result table of one workload as text cells, shared by the terminal, Markdown and HTML outputs so that they show
/// the same columns with the same figures; each only decides how a cell looks. The terminal shows the compact set by
/// default and drops columns by priority until the table fits (<see cref="Fit"/>); Markdown and HTML show them all.
/// </summary>
internal sealed record ResultTable(string Workload, string Caption, IReadOnlyList<TableColumn> Columns, IReadOnlyList<IReadOnlyList<Cell>> Rows)
{
    /// <summary>Columns that are never dropped.</summary>
    public const int Required = int.MaxValue;

    /// <summary>Every name --columns accepts (transport, size and p50 are always shown).</summary>
    public static readonly IReadOnlyList<string> Keys =
        ["ops", "p50", "p90", "p99", "p99.9", "max", "mean", "rate", "ci", "bytes", "cpu", "ctx", "lost", "corrupt", "ratio", "reference", "twin"];

    /// <summary>The default set in a terminal: what answers "how fast, how sure, against what"; lost and corrupt join when a row has any.</summary>
    public static readonly IReadOnlyList<string> Compact = ["p50", "ci", "p99", "rate", "bytes", "cpu", "twin", "lost", "corrupt"];

    private static readonly Column[] Times = [Column.P50, Column.P90, Column.P99, Column.P999, Column.Max, Column.Mean];

    public IReadOnlyList<string> Header => [.. Columns.Select(c => c.Header)];

    /// <summary>Whether column <paramref name="index"/> holds figures (right-aligned) rather than names.</summary>
    public bool IsNumeric(int index) => Columns[index].Numeric;

    public static IEnumerable<ResultTable> All(Summary summary) => summary.Workloads.Select(w => For(summary, w));

    /// <summary>The full table of a workload: every column but the compact ratio (<c>twin</c>), which repeats ratio and reference.</summary>
    public static ResultTable For(Summary summary, string workload) => Build(summary, workload).Only(k => k != "twin");

    /// <summary>
    /// The table with the named columns (null: <see cref="Compact"/>; lost and corrupt there only when a row has any).
    /// </summary>
    public static ResultTable For(Summary summary, string workload, IReadOnlyList<string>? keys)
    {
        var full = Build(summary, workload);
        if (keys is null)
        {
            bool loss = full.Rows.Any(r => r.Any(c => c.Bad && c.Text != "failed"));
            return full.Only(k => Compact.Contains(k) && (loss || k is not ("lost" or "corrupt")));
        }

        return keys.Contains("all") ? full.Only(k => k != "twin") : full.Only(keys.Contains);
    }

    /// <summary>
    /// Drops columns, lowest priority first, until the table is at most <paramref name="width"/> characters wide as a
    /// bordered table draws it (each cell padded by one space on each side, one border between cells and at each
    /// end); a cell is never wrapped. Returns the table and the headers of the columns it left out.
    /// </summary>
    public (ResultTable Table, IReadOnlyList<string> Dropped) Fit(int width)
    {
        var table = this;
        var dropped = new List<string>();
        while (table.Width > width)
        {
            var victim = table.Columns.Where(c => c.Priority != Required).Select((c, i) => (c, i)).OrderBy(x => x.c.Priority).ThenByDescending(x => x.i).FirstOrDefault();
            if (victim.c is null)
            {
                break;
            }

            dropped.Add(victim.c.Header);
            table = table.Only(k => k != victim.c.Key);
        }

        return (table, dropped);
    }

    /// <summary>The width of the table as drawn with borders; a best cell counts one more for the mark a plain output adds.</summary>
    public int Width => Columns.Select((c, i) => Math.Max(c.Header.Length, Rows.Select(r => r[i].Text.Length + (r[i].Best ? 1 : 0)).DefaultIfEmpty(0).Max()) + 3).Sum() + 1;

    private ResultTable Only(Func<string, bool> keep)
    {
        var indices = Columns.Select((c, i) => (c, i)).Where(x => x.c.Priority == Required || keep(x.c.Key)).Select(x => x.i).ToList();
        return this with
        {
            Columns = [.. indices.Select(i => Columns[i])],
            Rows = [.. Rows.Select(r => (IReadOnlyList<Cell>)[.. indices.Select(i => r[i])])],
        };
    }

    private static ResultTable Build(Summary summary, string workload)
    {
        bool stream = workload == "throughput";
        bool ratios = summary.HasRatios;
        var columns = new List<TableColumn>
        {
            new("transport", "transport", false, Required), new("size", "size", false, Required),
            new("ops", stream ? "messages" : "round trips", true, 1), new("p50", "p50", true, Required), new("p90", "p90", true, 2),
            new("p99", "p99", true, 6), new("p99.9", "p99.9", true, 2), new("max", "max", true, 1), new("mean", "mean", true, 1),
            new("rate", stream ? "msg/s" : "ops/s", true, 8), new("ci", stream ? "msg/s 95% CI" : "p50 95% CI", true, 7),
            stream ? new("bytes", "bytes/s", true, 5) : new("cpu", "CPU/op", true, 5), new("ctx", "ctx sw/op", true, 3),
            new("lost", "lost", true, 10), new("corrupt", "corrupt", true, 10),
        };
        bool workers = summary.RowsOf(workload).Any(r => r.Result.Workers is not null);
        bool offered = summary.RowsOf(workload).Any(r => r.Result.OfferedRate is not null);
        if (workers || offered)
        {
            columns.Insert(2, new(workers ? "workers" : "offered", workers ? "workers" : "offered", false, Required));
        }
        if (ratios)
        {
            columns.AddRange([new("ratio", stream ? "rate vs ref" : "p50 vs ref", true, 9), new("reference", "reference", false, 4),
                new("twin", "vs native", true, 9)]);
        }

        var rows = new List<IReadOnlyList<Cell>>();
        foreach (var row in summary.RowsOf(workload))
        {
            var r = row.Result;
            var cells = new List<Cell> { new(r.Transport), new(Format.Size(r.MessageSize)) };
            if (workers || offered)
            {
                cells.Add(r.OfferedRate is { } rate
                    ? new Cell($"{Format.Rate(rate)}/s" + (r.Saturated == true ? " (saturated)" : ""), Bad: r.Saturated == true)
                    : new Cell(r.Workers is { } n ? $"{r.Shape} ×{n}" : ""));
            }

            if (r.Error is not null)
            {
                // Said under p50, the one figure column every table keeps.
                cells.AddRange([new Cell(""), new Cell("failed", Bad: true)]);
                cells.AddRange(Enumerable.Repeat(new Cell(""), columns.Count - cells.Count));
                rows.Add(cells);
                continue;
            }

            Cell Figure(Column column, Func<double, string> format) =>
                Summary.Value(row, column) is { } v ? new Cell(format(v), Best: row.IsBest(column)) : new Cell("-");

            cells.Add(new Cell(Format.Count(r.Operations)));
            cells.AddRange(Times.Select(c => Figure(c, Format.Duration)));
            cells.Add(Figure(Column.Rate, Format.Rate));
            cells.Add(new Cell(Spread(stream ? r.Rate : r.P50)));
            cells.Add(stream ? Figure(Column.Bytes, Format.Bytes) : Figure(Column.CpuPerOp, Format.Duration));
            cells.Add(Figure(Column.SwitchesPerOp, v => Format.Number(v)));
            cells.Add(new Cell(Format.Count(r.Integrity.Lost), Bad: r.Integrity.Lost != 0));
            cells.Add(new Cell(Format.Count(r.Integrity.Corrupted), Bad: r.Integrity.Corrupted != 0));
            if (ratios)
            {
                var ratio = row.Baseline?.Ratio;
                cells.Add(new Cell(ratio is not null ? Format.Ratio(ratio.Median) + (ratio.Trials > 1 ? $" ({Format.Number(ratio.CiLow)}–{Format.Number(ratio.CiHigh)})" : "") : "-"));
                cells.Add(new Cell(row.Baseline is { } b ? b.Label : "none"));
                // A framework peer's reference is its bare transport, and a typed request's its raw round trip, not a
                // native twin: nothing to say under "vs native".
                cells.Add(new Cell(ratio is not null && row.Baseline is { IsNative: true } ? $"{Format.Ratio(ratio.Median)} {row.Baseline.Name}" : "-"));
            }

            rows.Add(cells);
        }

        return new ResultTable(workload, Headline.Caption(workload), columns, rows);
    }

    /// <summary>The 95% interval of the column's main figure as ±Y% (the JSON and CSV hold its bounds); "-" for a single trial.</summary>
    private static string Spread(Estimate? e) =>
        e is { Trials: > 1 } ? $"±{Format.Number(Estimates.RelativeHalfWidth(e) * 100, "0.#")}%" : "-";
}
