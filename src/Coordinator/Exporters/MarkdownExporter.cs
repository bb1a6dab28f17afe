using System.Text;
using IpcKit.Coordinator.Results;
using IpcKit.Coordinator.Statistics;

namespace IpcKit.Coordinator.Exporters;

/// <summary>GitHub-flavoured Markdown, ready to paste into a pull request: one table per workload, best figures in bold.</summary>
internal static class MarkdownExporter
{
    public static string Write(BenchReport report) => Write(Summary.Of(report));

    public static string Write(Summary summary)
    {
        var report = summary.Report;
        var md = new StringBuilder();
        md.Append("### ipckit bench: ").Append(string.Join(", ", summary.Transports.Select(Code))).Append("\n\n");
        md.Append(Escape(Headline.Machine(report))).Append("  \n");
        md.Append(Escape(Headline.Settings(report))).Append('\n');
        var notes = Headline.Reference(summary);
        if (notes.Count > 0)
        {
            md.Append('\n').Append(string.Join("  \n", notes.Select(n => "> " + Escape(n)))).Append('\n');
        }

        Verdict(md, summary);
        foreach (var table in ResultTable.All(summary))
        {
            Table(md, table);
        }

        var findings = Headline.Findings(report);
        if (findings.Count > 0)
        {
            md.Append('\n').Append(string.Join("  \n", findings.Select(f => Escape(f.Trim())))).Append('\n');
        }

        if (summary.Rows.Any(r => r.Best.Count > 0))
        {
            md.Append("\nBold: ").Append(Escape(Headline.BestLegend)).Append(".\n");
        }

        var failed = report.Results.Where(r => r.Error is not null).ToList();
        if (failed.Count > 0)
        {
            md.Append("\n**Failed cases**\n\n");
            foreach (var r in failed)
            {
                md.Append("- ").Append(Code(r.Transport)).Append(' ').Append(r.Workload).Append(' ').Append(Format.Size(r.MessageSize))
                  .Append(": ").Append(Escape(r.Error!)).Append('\n');
            }
        }

        return md.ToString();
    }

    private static void Verdict(StringBuilder md, Summary summary)
    {
        var paragraphs = VerdictText.Paragraphs(summary);
        if (paragraphs.Count == 0)
        {
            return;
        }

        md.Append("\n#### ").Append(Escape(VerdictText.Title)).Append("\n\n").Append(Escape(VerdictText.Intro(summary))).Append("\n\n");
        foreach (var p in paragraphs)
        {
            md.Append("- **").Append(Escape(p.Case)).Append(":** ").Append(Escape(p.Ranking)).Append('\n');
            foreach (string detail in p.Details)
            {
                md.Append("  - ").Append(Escape(detail)).Append('\n');
            }
        }

        md.Append('\n').Append(Escape(VerdictText.Pointer)).Append('\n');
    }

    private static void Table(StringBuilder md, ResultTable table)
    {
        md.Append("\n#### ").Append(Escape(table.Workload)).Append(' ').Append(Escape(table.Caption)).Append("\n\n");
        md.Append("| ").Append(string.Join(" | ", table.Header)).Append(" |\n");
        md.Append("| ").Append(string.Join(" | ", table.Header.Select((_, i) => table.IsNumeric(i) ? "---:" : "---"))).Append(" |\n");
        foreach (var row in table.Rows)
        {
            md.Append("| ").Append(string.Join(" | ", row.Select((c, i) => i == 0 ? Code(c.Text) : c.Best || c.Bad ? $"**{Escape(c.Text)}**" : Escape(c.Text)))).Append(" |\n");
        }
    }

    private static string Code(string name) => "`" + name.Replace("`", "'", StringComparison.Ordinal) + "`";

    /// <summary>Escapes what Markdown would read as markup or a table cell border.</summary>
    internal static string Escape(string text)
    {
        var sb = new StringBuilder(text.Length);
        foreach (char c in text)
        {
            if (c is '|' or '*' or '_' or '`' or '<' or '>' or '[' or ']' or '\\' or '#' or '$')
            {
                sb.Append('\\');
            }

            sb.Append(c is '\n' or '\r' ? ' ' : c);
        }

        return sb.ToString();
    }
}
