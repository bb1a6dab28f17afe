using IpcKit.Coordinator.Results;
using IpcKit.Coordinator.Statistics;
using Spectre.Console;

namespace IpcKit.Coordinator.Exporters;

/// <summary>
/// The terminal: one table per workload with what each figure rests on, the best figure of each column marked per
/// message size, the ratio to the reference where there is one, and a bar chart of p50 per transport.
/// </summary>
internal static class ConsoleExporter
{
    private const string BestStyle = "bold green";

    public static void Write(IAnsiConsole console, BenchReport report) => Write(console, Summary.Of(report));

    public static void Write(IAnsiConsole console, Summary summary)
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
        foreach (string workload in summary.Workloads)
        {
            console.Write(Table(summary, workload, plain));
            console.WriteLine();
        }

        if (plain && summary.Rows.Any(r => r.Best.Count > 0))
        {
            console.WriteLine($"* {Headline.BestLegend}");
            console.WriteLine();
        }

        WriteCharts(console, summary);
        foreach (var r in report.Results.Where(r => r.Error is not null))
        {
            console.MarkupLine($"[red]{Markup.Escape(r.Transport)} {Markup.Escape(r.Workload)} {Format.Size(r.MessageSize)} failed:[/] {Markup.Escape(r.Error!)}");
        }
    }

    private static Table Table(Summary summary, string workload, bool plain)
    {
        var model = ResultTable.For(summary, workload);
        var table = new Table().Border(TableBorder.Rounded).Title($"[bold]{Markup.Escape(workload)}[/] {Markup.Escape(model.Caption)}");
        table.AddColumns([.. model.Header.Select(h => new TableColumn(Markup.Escape(h)))]);
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

    private static void WriteCharts(IAnsiConsole console, Summary summary)
    {
        foreach (string workload in summary.Workloads.Where(w => w != "throughput"))
        {
            foreach (int size in summary.SizesOf(workload))
            {
                var rows = summary.RowsOf(workload, size).Where(r => r.Result.Latency is not null && !r.Result.Failed).ToList();
                if (rows.Count < 2)
                {
                    continue;
                }

                var chart = new BarChart()
                    .Width(Math.Min(100, console.Profile.Width))
                    .Label($"[bold]p50 {Markup.Escape(workload)}, {Markup.Escape(Format.Size(size))}[/] (shorter is better)")
                    .LeftAlignLabel()
                    .UseValueFormatter(v => Format.Duration(v));
                foreach (var row in rows)
                {
                    var color = Palette.Console[summary.Transports.ToList().IndexOf(row.Result.Transport) % Palette.Console.Length];
                    chart.AddItem(row.Result.Transport, row.Result.Latency!.P50Ns, color);
                }

                console.Write(chart);
                console.WriteLine();
            }
        }
    }
}
