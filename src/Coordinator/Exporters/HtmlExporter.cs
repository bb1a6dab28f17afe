using System.Net;
using System.Text;
using IpcKit.Coordinator.Exporters.Svg;
using IpcKit.Coordinator.Results;
using IpcKit.Coordinator.Statistics;

namespace IpcKit.Coordinator.Exporters;

/// <summary>
/// One self-contained HTML file: the tables, the SVG charts inline, CSS inline. No script, no font, no image and no
/// style sheet from anywhere — the Content-Security-Policy says so too — so it opens offline, from a CI artifact or an
/// e-mail attachment, and shows the same thing everywhere.
/// </summary>
internal static class HtmlExporter
{
    private const string Css = """
        :root { color-scheme: light; }
        body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: #1f2328; margin: 24px auto; max-width: 1280px; padding: 0 16px; }
        h1 { font-size: 22px; margin: 0 0 4px; }
        h2 { font-size: 17px; margin: 28px 0 8px; border-bottom: 1px solid #d0d7de; padding-bottom: 4px; }
        p.meta { margin: 2px 0; color: #57606a; }
        p.note { background: #fff8c5; border: 1px solid #d4a72c66; padding: 6px 10px; border-radius: 6px; }
        div.wide { overflow-x: auto; }
        table { border-collapse: collapse; font-variant-numeric: tabular-nums; margin: 4px 0 8px; font-size: 13px; }
        th, td { border: 1px solid #d0d7de; padding: 2px 6px; white-space: nowrap; }
        th { background: #f6f8fa; font-weight: 600; }
        td.num { text-align: right; }
        td.best { font-weight: 700; color: #1a7f37; background: #dafbe1; }
        td.bad { font-weight: 700; color: #cf222e; background: #ffebe9; }
        tr:nth-child(even) td:not(.best):not(.bad) { background: #f6f8fa; }
        figure { margin: 12px 0 24px; }
        figure svg { max-width: 100%; height: auto; border: 1px solid #d0d7de; border-radius: 6px; }
        dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; color: #57606a; }
        dt { font-weight: 600; }
        ul.failed li { color: #cf222e; }
        section.verdict { background: #f6f8fa; border: 1px solid #d0d7de; border-radius: 6px; padding: 4px 16px 8px; margin: 16px 0; }
        section.verdict h2 { border: none; margin-top: 12px; }
        section.verdict li { margin: 4px 0; }
        """;

    public static string Write(BenchReport report) => Write(Summary.Of(report));

    public static string Write(Summary summary)
    {
        var report = summary.Report;
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
        html.Append("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">\n");
        html.Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
        html.Append("<title>ipckit report: ").Append(E(string.Join(", ", summary.Transports))).Append("</title>\n");
        html.Append("<style>\n").Append(Css).Append("</style>\n</head>\n<body>\n");
        html.Append("<h1>ipckit bench: ").Append(E(string.Join(", ", summary.Transports))).Append("</h1>\n");
        html.Append("<p class=\"meta\">").Append(E(Headline.Machine(report))).Append("</p>\n");
        html.Append("<p class=\"meta\">").Append(E(Headline.Settings(report))).Append("</p>\n");
        var notes = Headline.Reference(summary);
        if (notes.Count > 0)
        {
            html.Append("<p class=\"note\">").Append(string.Join("<br>\n", notes.Select(E))).Append("</p>\n");
        }

        Verdict(html, summary);
        foreach (var table in ResultTable.All(summary))
        {
            Table(html, table);
        }

        if (summary.Rows.Any(r => r.Best.Count > 0))
        {
            html.Append("<p class=\"meta\">Green: ").Append(E(Headline.BestLegend)).Append(".</p>\n");
        }

        Failures(html, report);
        html.Append("<h2>Charts</h2>\n");
        foreach (var (file, render) in SvgCharts.All.Concat(ScalingCharts.For(report)))
        {
            html.Append("<figure>\n").Append(render(summary)).Append("<figcaption class=\"meta\">").Append(E(file)).Append("</figcaption>\n</figure>\n");
        }

        Environment(html, report);
        html.Append("</body>\n</html>\n");
        return html.ToString();
    }

    private static void Verdict(StringBuilder html, Summary summary)
    {
        var paragraphs = VerdictText.Paragraphs(summary);
        if (paragraphs.Count == 0)
        {
            return;
        }

        html.Append("<section class=\"verdict\" id=\"verdict\">\n<h2>").Append(E(VerdictText.Title)).Append("</h2>\n");
        html.Append("<p class=\"meta\">").Append(E(VerdictText.Intro(summary))).Append("</p>\n<ul>\n");
        foreach (var p in paragraphs)
        {
            html.Append("<li><b>").Append(E(p.Case)).Append(":</b> ").Append(E(p.Ranking));
            if (p.Details.Count > 0)
            {
                html.Append("\n<ul>").Append(string.Concat(p.Details.Select(d => $"<li>{E(d)}</li>"))).Append("</ul>");
            }

            html.Append("</li>\n");
        }

        html.Append("</ul>\n<p>").Append(E(VerdictText.Pointer)).Append("</p>\n</section>\n");
    }

    private static void Table(StringBuilder html, ResultTable table)
    {
        html.Append("<h2>").Append(E(table.Workload)).Append(' ').Append(E(table.Caption)).Append("</h2>\n<div class=\"wide\">\n<table>\n<thead><tr>");
        foreach (string h in table.Header)
        {
            html.Append("<th>").Append(E(h)).Append("</th>");
        }

        html.Append("</tr></thead>\n<tbody>\n");
        foreach (var row in table.Rows)
        {
            html.Append("<tr>");
            foreach (var (cell, i) in row.Select((c, i) => (c, i)))
            {
                var classes = new List<string>();
                if (table.IsNumeric(i))
                {
                    classes.Add("num");
                }

                if (cell.Best)
                {
                    classes.Add("best");
                }

                if (cell.Bad)
                {
                    classes.Add("bad");
                }

                html.Append(classes.Count > 0 ? $"<td class=\"{string.Join(' ', classes)}\">" : "<td>").Append(E(cell.Text)).Append("</td>");
            }

            html.Append("</tr>\n");
        }

        html.Append("</tbody>\n</table>\n</div>\n");
    }

    private static void Failures(StringBuilder html, BenchReport report)
    {
        var failed = report.Results.Where(r => r.Error is not null).ToList();
        if (failed.Count == 0)
        {
            return;
        }

        html.Append("<h2>Failed cases</h2>\n<ul class=\"failed\">\n");
        foreach (var r in failed)
        {
            html.Append("<li>").Append(E($"{r.Transport} {r.Workload} {Format.Size(r.MessageSize)}: {r.Error}")).Append("</li>\n");
        }

        html.Append("</ul>\n");
    }

    private static void Environment(StringBuilder html, BenchReport report)
    {
        var env = report.Environment;
        var s = report.Settings;
        (string, string)[] items =
        [
            ("started (UTC)", env.StartedUtc.ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture)),
            ("CPU", $"{env.CpuModel}{(env.Virtualized == true ? " (virtual machine)" : "")}, {Format.Raw(env.Cores)} logical CPUs, allowed: {string.Join(",", env.AllowedCpus.Select(c => Format.Raw(c)))}"),
            ("CPU idle", env.CpuIdle?.Describe() ?? "unknown"),
            ("OS", $"{env.Os}, kernel {env.Kernel}, {env.Machine}"),
            (".NET", env.DotNet),
            ("ipckit", env.IpcKitVersion),
            ("load average", Format.Number(env.LoadAverage)),
            ("transports", string.Join(", ", s.Transports)),
            ("workloads", string.Join(", ", s.Workloads)),
            ("sizes", string.Join(", ", s.Sizes.Select(Format.Size))),
            ("reference", s.Reference),
        ];
        html.Append("<h2>Environment</h2>\n<dl>\n");
        foreach (var (name, value) in items)
        {
            html.Append("<dt>").Append(E(name)).Append("</dt><dd>").Append(E(value)).Append("</dd>\n");
        }

        html.Append("</dl>\n");
    }

    private static string E(string text) => WebUtility.HtmlEncode(text);
}
