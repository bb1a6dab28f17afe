using IpcKit.Coordinator.Results;
using IpcKit.Coordinator.Statistics;
using Spectre.Console;

namespace IpcKit.Coordinator.Exporters;

/// <summary>
/// The terminal: one table per workload that fits the terminal's width (the compact columns by default, dropped by
/// priority when even those do not fit; never a wrapped cell), the best figure of each column marked per message size,
/// a bar chart of p50 per transport on a log scale, and the verdict last, where it stays on screen.
/// </summary>
internal static class ConsoleExporter
{
    private const string BestStyle = "bold green";

    public static void Write(IAnsiConsole console, BenchReport report, IReadOnlyList<string>? columns = null) => Write(console, Summary.Of(report), columns);

    /// <param name="console">Where to write; its width bounds the tables.</param>
    /// <param name="summary">The figures.</param>
    /// <param name="columns">The columns to show (--columns): null for the compact set, ["all"] for every one, or names from <see cref="ResultTable.Keys"/>.</param>
    public static void Write(IAnsiConsole console, Summary summary, IReadOnlyList<string>? columns = null)
    {
        var report = summary.Report;
        console.MarkupLine($"[bold]{Markup.Escape(Headline.Machine(report))}[/]");
        console.MarkupLine(Markup.Escape(Headline.Settings(report)));
        foreach (string note in Headline.Reference(summary))
        {
            console.MarkupLine($"[yellow]{Markup.Escape(note)}[/]");
        }

        console.WriteLine();
        // Without colour (a pipe, a file) bold green does not show: best figures get a star instead.
        bool plain = !console.Profile.Capabilities.Ansi;
        var dropped = new List<string>();
        foreach (string workload in summary.Workloads)
        {
            var (model, left) = ResultTable.For(summary, workload, columns).Fit(console.Profile.Width);
            dropped.AddRange(left.Where(h => !dropped.Contains(h)));
            console.Write(Table(model, plain));
            console.WriteLine();
        }

        if (dropped.Count > 0)
        {
            console.MarkupLine($"[grey]Left out to fit {console.Profile.Width} columns: {Markup.Escape(string.Join(", ", dropped))} (a wider terminal shows them; report.md and report.html have every column).[/]");
        }

        if (plain && summary.Rows.Any(r => r.Best.Count > 0))
        {
            console.WriteLine($"* {Headline.BestLegend}");
        }

        foreach (string line in Headline.Findings(report))
        {
            console.WriteLine(line);
        }

        console.WriteLine();
        WriteCharts(console, summary);
        foreach (var r in report.Results.Where(r => r.Error is not null))
        {
            console.MarkupLine($"[red]{Markup.Escape(r.Transport)} {Markup.Escape(r.Workload)} {Format.Size(r.MessageSize)} failed:[/] {Markup.Escape(r.Error!)}");
        }

        WriteVerdict(console, summary);
    }

    private static Table Table(ResultTable model, bool plain)
    {
        var table = new Table().Border(TableBorder.Rounded).Title($"[bold]{Markup.Escape(model.Workload)}[/] {Markup.Escape(model.Caption)}");
        table.AddColumns([.. model.Header.Select(h => new Spectre.Console.TableColumn(Markup.Escape(h)).NoWrap())]);
        for (int i = 0; i < table.Columns.Count; i++)
        {
            if (model.IsNumeric(i))
            {
                table.Columns[i].RightAligned();
            }
        }

        foreach (var row in model.Rows)
        {
            table.AddRow([.. row.Select(c => Style(c, plain))]);
        }

        return table;
    }

    private static string Style(Cell cell, bool plain) => cell switch
    {
        { Bad: true } => $"[red]{Markup.Escape(cell.Text)}[/]",
        { Best: true } when plain => Markup.Escape(cell.Text + "*"),
        { Best: true } => $"[{BestStyle}]{Markup.Escape(cell.Text)}[/]",
        _ => Markup.Escape(cell.Text),
    };

    private static void WriteVerdict(IAnsiConsole console, Summary summary)
    {
        var paragraphs = VerdictText.Paragraphs(summary);
        if (paragraphs.Count == 0)
        {
            return;
        }

        console.MarkupLine($"[bold]{Markup.Escape(VerdictText.Title)}[/]");
        console.MarkupLine($"[grey]{Markup.Escape(VerdictText.Intro(summary))}[/]");
        foreach (var p in paragraphs)
        {
            console.MarkupLine($"  [bold]{Markup.Escape(p.Case)}:[/] {Markup.Escape(p.Ranking)}");
            foreach (string detail in p.Details)
            {
                console.MarkupLine($"    {Markup.Escape(detail)}");
            }
        }

        console.MarkupLine(Markup.Escape(VerdictText.Pointer));
    }

    /// <summary>
    /// p50 per transport as bars on a log scale (half a decade below the smallest to the largest), so a 100× gap does not
    /// flatten the others; in-process baselines drawn in a lighter shade after the others.
    /// </summary>
    private static void WriteCharts(IAnsiConsole console, Summary summary)
    {
        foreach (string workload in summary.Workloads.Where(w => w != "throughput"))
        {
            foreach (int size in summary.SizesOf(workload))
            {
                var rows = summary.RowsOf(workload, size).Where(r => r.Result.Latency is not null && !r.Result.Failed)
                    .OrderBy(r => Verdict.IsInProcess(r.Result.Transport)).ToList();
                if (rows.Count < 2)
                {
                    continue;
                }

                // The figure the tables and the verdict show: the median of the trials' p50s.
                var p50s = rows.Select(r => Summary.Value(r, Column.P50)!.Value).ToList();
                var bars = LogBars.Of(p50s, Math.Clamp(console.Profile.Width - 40, 10, 60));
                int label = rows.Max(r => r.Result.Transport.Length);
                console.MarkupLine($"[bold]p50 {Markup.Escape(workload)}, {Markup.Escape(Format.Size(size))}[/] (log scale; shorter is better; ░ in-process baseline)");
                foreach (var (row, length, p50) in rows.Zip(bars, p50s))
                {
                    var (hex, _) = Palette.Of(row.Result.Transport, summary.Transports);
                    bool baseline = Verdict.IsInProcess(row.Result.Transport);
                    string bar = new(baseline ? '░' : '█', length);
                    string color = plain(console) ? "" : $"[{Palette.Console(hex).ToMarkup()}]";
                    console.MarkupLine($"  {Markup.Escape(row.Result.Transport.PadLeft(label))}  {color}{bar}{(color.Length > 0 ? "[/]" : "")} {Markup.Escape(Format.Duration(p50))}");
                }

                console.WriteLine();
            }
        }

        static bool plain(IAnsiConsole c) => !c.Profile.Capabilities.Ansi;
    }
}

/// <summary>Bar lengths on a log scale, for the terminal's charts.</summary>
internal static class LogBars
{
    /// <summary>
    /// The length of each value's bar, out of <paramref name="width"/> characters: log10 of the value from half a decade
    /// below the smallest (so the smallest still gets a bar) up to the largest; at least one character each.
    /// </summary>
    public static IReadOnlyList<int> Of(IReadOnlyList<double> values, int width)
    {
        double lo = Math.Log10(values.Where(v => v > 0).DefaultIfEmpty(1).Min()) - 0.5;
        double hi = Math.Log10(Math.Max(values.Max(), 1e-12));
        return [.. values.Select(v => v <= 0 ? 1 : Math.Max(1, (int)Math.Round(width * (Math.Log10(v) - lo) / Math.Max(hi - lo, 1e-9))))];
    }
}
