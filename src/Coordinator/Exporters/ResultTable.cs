using IpcKit.Coordinator.Results;
using IpcKit.Coordinator.Statistics;

namespace IpcKit.Coordinator.Exporters;

/// <summary>One cell of a result table: its text, and whether it is the best of its column or a bad figure (loss, failure).</summary>
internal sealed record Cell(string Text, bool Best = false, bool Bad = false);

/// <summary>
/// The result table of one workload as text cells, shared by the terminal, Markdown and HTML outputs so that they show
/// the same columns with the same figures; each only decides how a cell looks.
/// </summary>
internal sealed record ResultTable(string Workload, string Caption, IReadOnlyList<string> Header, int LeftAligned, IReadOnlyList<IReadOnlyList<Cell>> Rows)
{
    private static readonly Column[] Times = [Column.P50, Column.P90, Column.P99, Column.P999, Column.Max, Column.Mean];

    /// <summary>Whether column <paramref name="index"/> holds figures (right-aligned) rather than names.</summary>
    public bool IsNumeric(int index) => index >= LeftAligned && !(HasReference && index == Header.Count - 1);

    private bool HasReference { get; init; }

    public static IEnumerable<ResultTable> All(Summary summary) => summary.Workloads.Select(w => For(summary, w));

    public static ResultTable For(Summary summary, string workload)
    {
        bool stream = workload == "throughput";
        bool ratios = summary.HasRatios;
        bool workers = summary.RowsOf(workload).Any(r => r.Result.Workers is not null);
        bool offered = summary.RowsOf(workload).Any(r => r.Result.OfferedRate is not null);
        var header = new List<string> { "transport", "size" };
        if (workers || offered)
        {
            header.Add(workers ? "workers" : "offered");
        }

        header.AddRange([stream ? "messages" : "round trips", "p50", "p90", "p99", "p99.9", "max", "mean",
            stream ? "msg/s" : "ops/s", stream ? "msg/s 95% CI" : "p50 95% CI", stream ? "bytes/s" : "CPU/op", "ctx sw/op", "lost", "corrupt"]);
        if (ratios)
        {
            header.AddRange([stream ? "rate vs ref" : "p50 vs ref", "reference"]);
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
                cells.Add(new Cell("failed", Bad: true));
                cells.AddRange(Enumerable.Repeat(new Cell(""), header.Count - cells.Count));
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
                cells.Add(new Cell(row.Baseline is { Ratio: { } ratio } ? Format.Ratio(ratio.Median) + (ratio.Trials > 1 ? $" ({Format.Number(ratio.CiLow)}–{Format.Number(ratio.CiHigh)})" : "") : "-"));
                cells.Add(new Cell(row.Baseline is { } b ? b.Label : "none"));
            }

            rows.Add(cells);
        }

        return new ResultTable(workload, Headline.Caption(workload), header, workers || offered ? 3 : 2, rows) { HasReference = ratios };
    }

    /// <summary>The 95% interval of the column's main figure as ±Y% (the JSON and CSV hold its bounds); "-" for a single trial.</summary>
    private static string Spread(Estimate? e) =>
        e is { Trials: > 1 } ? $"±{Format.Number(Estimates.RelativeHalfWidth(e) * 100, "0.#")}%" : "-";
}
