using System.Text;
using System.Text.Json;
using IpcKit.Coordinator.Results;
using IpcKit.Coordinator.Statistics;
using Spectre.Console;

namespace IpcKit.Coordinator.Exporters;

/// <summary>`ipckit compare` output: a terminal table, Markdown for a pull request, or JSON for scripts.</summary>
internal static class ComparisonExporter
{
    private static readonly string[] Header = ["transport", "workload", "size", "basis", "p50", "p99", "throughput", "verdict"];

    public static void Write(IAnsiConsole console, Comparison comparison)
    {
        console.MarkupLine(Markup.Escape(Caption(comparison)));
        var table = new Table().Border(TableBorder.Rounded).AddColumns(Header);
        foreach (var row in comparison.Rows)
        {
            var cells = Cells(row).Select(Markup.Escape).ToArray();
            cells[^1] = row.Regressed ? $"[bold red]{cells[^1]}[/]" : row.Worse is < 0 ? $"[green]{cells[^1]}[/]" : cells[^1];
            table.AddRow(cells);
        }

        console.Write(table);
        foreach (string note in comparison.Notes)
        {
            console.MarkupLine($"[yellow]note:[/] {Markup.Escape(note)}");
        }

        WriteVerdict(console, comparison);
    }

    public static string Markdown(Comparison comparison)
    {
        var md = new StringBuilder();
        md.Append("### ipckit compare\n\n").Append(MarkdownExporter.Escape(Caption(comparison))).Append("\n\n");
        md.Append("| ").Append(string.Join(" | ", Header)).Append(" |\n");
        md.Append("| --- | --- | ---: | --- | ---: | ---: | ---: | --- |\n");
        foreach (var row in comparison.Rows)
        {
            var cells = Cells(row).Select(MarkdownExporter.Escape).ToArray();
            cells[0] = $"`{row.Transport}`";
            if (row.Regressed)
            {
                cells[^1] = $"**{cells[^1]}**";
            }

            md.Append("| ").Append(string.Join(" | ", cells)).Append(" |\n");
        }

        md.Append('\n');
        foreach (string note in comparison.Notes)
        {
            md.Append("- Note: ").Append(MarkdownExporter.Escape(note)).Append('\n');
        }

        md.Append(comparison.Notes.Count > 0 ? "\n" : "").Append(MarkdownExporter.Escape(Verdict(comparison))).Append('\n');
        return md.ToString();
    }

    public static string Json(Comparison comparison)
    {
        // The files and notes of a pooled comparison only: the output of two single files stays as it always was.
        var json = new Dictionary<string, object?>
        {
            ["mode"] = comparison.Absolute ? "absolute" : "reference",
            ["threshold"] = comparison.Threshold,
            ["regressions"] = comparison.Regressions.Count,
            ["inconclusive"] = comparison.Inconclusives.Count,
        };
        if (comparison.Pooled)
        {
            json["baselineFiles"] = comparison.BaselineFiles;
            json["currentFiles"] = comparison.CurrentFiles;
            json["notes"] = comparison.Notes;
        }

        json["rows"] = comparison.Rows;
        return JsonSerializer.Serialize(json, JsonExporter.Options);
    }

    /// <summary>The last line: how many regressed, naming each one.</summary>
    public static string Verdict(Comparison comparison)
    {
        var regressions = comparison.Regressions;
        if (comparison.Threshold is not { } t)
        {
            return "No regression threshold given (--fail-on-regression): nothing fails.";
        }

        string threshold = Format.Number(t * 100, "0.#");
        string inconclusive = comparison.Inconclusives.Count == 0 ? ""
            : $" {comparison.Inconclusives.Count} result(s) worse by more than {threshold}% but within noise (inconclusive): "
              + string.Join("; ", comparison.Inconclusives.Select(r => r.Label)) + ".";
        if (regressions.Count == 0)
        {
            return $"No result is significantly worse by more than {threshold}%.{inconclusive}";
        }

        return $"{regressions.Count} result(s) significantly worse by more than {threshold}%: "
               + string.Join("; ", regressions.Select(r => $"{r.Label} ({Reason(r)})")) + "." + inconclusive;
    }

    private static void WriteVerdict(IAnsiConsole console, Comparison comparison)
    {
        string verdict = Markup.Escape(Verdict(comparison));
        console.MarkupLine(comparison.Regressions.Count > 0 ? $"[bold red]{verdict}[/]" : verdict);
    }

    private static string Caption(Comparison comparison) => (comparison.Absolute
        ? "Raw figures (--absolute): baseline → current (change). Only meaningful on the same machine under the same load."
        : "Ratios to the native twin measured next to each trial where both results have it, else raw figures: baseline → current (change of the medians).")
        + " A row regresses only when the change is over the threshold and the trials show it is beyond it (Mann–Whitney, p < 0.05 after Holm's adjustment over the rows)."
        + (comparison.Pooled
            ? $" Trials pooled from {Files(comparison.BaselineFiles)} (baseline) and {Files(comparison.CurrentFiles)} (current)."
            : "");

    private static string Files(IReadOnlyList<string> files) =>
        files.Count == 1 ? files[0] : $"{files.Count} files ({string.Join(", ", files)})";

    private static string[] Cells(ComparisonRow row) =>
    [
        row.Transport, row.Workload, Format.Size(row.MessageSize) + CaseKey.Suffix(row.Workers, row.Shape, row.OfferedRate), row.Basis,
        Figure(row.P50, Raw(row) ? Format.Duration : Format.Ratio),
        Figure(row.P99, Raw(row) ? Format.Duration : Format.Ratio),
        Figure(row.Throughput, Raw(row) ? v => Format.Rate(v) + " msg/s" : Format.Ratio),
        row.Regressed ? $"REGRESSION: {Reason(row)}"
        : row.Inconclusive ? $"inconclusive: {row.Gate} worse by {Format.Number(row.Worse!.Value * 100, "0.0")}% {Noise(row)}"
        : row.Note ?? (row.Worse is { } w ? Math.Abs(w) < 0.0005 ? $"{row.Gate} unchanged" : $"{row.Gate} {(w > 0 ? "worse" : "better")} by {Format.Number(Math.Abs(w) * 100, "0.0")}% {Noise(row)}" : "-"),
    ];

    /// <summary>Whether a row compares raw figures (else ratios to its native twin).</summary>
    private static bool Raw(ComparisonRow row) => row.Basis.StartsWith("absolute", StringComparison.Ordinal);

    private static string Reason(ComparisonRow row) => row.Worse is { } w ? $"{row.Gate} worse by {Format.Number(w * 100, "0.0")}%, {P(row)}" : row.Note ?? "";

    /// <summary>"(noise ±12%, p = 0.31)": how wide the intervals are, and how apart the trials.</summary>
    private static string Noise(ComparisonRow row) =>
        $"(noise ±{Format.Number((row.Noise ?? 0) * 100, "0")}%, {P(row)})";

    /// <summary>The row's p-value after Holm's adjustment for the number of rows (docs/statistics.md).</summary>
    /// <remarks>
    /// Pooled runs reach p-values far below four decimals (two files of 7 trials a side that do not overlap: 5e-8), which
    /// "p = 0" would misstate: nothing is certain.
    /// </remarks>
    private static string P(ComparisonRow row) => (row.AdjustedPValue ?? row.PValue ?? 1) is var p && p < 0.0001
        ? "p < 0.0001"
        : $"p = {Format.Number(p, "0.####")}";

    private static string Figure(FigureChange? change, Func<double, string> format) =>
        change is null ? "-" : $"{format(change.Baseline)} → {format(change.Current)} ({Format.Change(change.Relative)})";
}
