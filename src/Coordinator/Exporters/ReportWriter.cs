using IpcKit.Coordinator.Exporters.Svg;
using IpcKit.Coordinator.Results;
using IpcKit.Coordinator.Statistics;

namespace IpcKit.Coordinator.Exporters;

/// <summary>What happened to one output file: written, or the reason it was not.</summary>
internal sealed record ExportOutcome(string Path, string? Error)
{
    public bool Succeeded => Error is null;
}

/// <summary>
/// Writes every output of a result into one directory: results.json, results.csv, report.md, report.html, the SVG
/// charts and (for a run just measured) each case's latency distribution under hgrm/. Each exporter runs on its own: one that fails (a bug, a full disk, a name taken by a directory) is reported
/// and the others still write their files, as in BenchmarkDotNet.
/// </summary>
internal static class ReportWriter
{
    /// <summary>The file name and the renderer of every output, in the order they are written.</summary>
    public static IReadOnlyList<(string File, Func<Summary, string> Render)> Exporters { get; } =
    [
        ("results.json", s => JsonExporter.Write(s.Report)),
        ("results.csv", s => CsvExporter.Write(s.Report)),
        ("report.md", MarkdownExporter.Write),
        .. SvgCharts.All,
        ("report.html", HtmlExporter.Write),
    ];

    public static IReadOnlyList<ExportOutcome> WriteAll(BenchReport report, string directory) =>
        WriteAll(report, directory, [.. Exporters, .. ScalingCharts.For(report), .. HgrmExporter.For(report)]);

    public static IReadOnlyList<ExportOutcome> WriteAll(BenchReport report, string directory, IEnumerable<(string File, Func<Summary, string> Render)> exporters)
    {
        var outcomes = new List<ExportOutcome>();
        Summary summary;
        try
        {
            Directory.CreateDirectory(directory);
            summary = Summary.Of(report);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return [new ExportOutcome(directory, $"cannot create the output directory: {e.Message}")];
        }

        foreach (var (file, render) in exporters)
        {
            string path = Path.Combine(directory, file);
            try
            {
                // Written next to the target and renamed over it, so a failure never leaves half a file behind.
                string text = render(summary);
                System.IO.Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                OutputFiles.WriteWhole(path, text);
                outcomes.Add(new ExportOutcome(path, null));
            }
#pragma warning disable CA1031 // An exporter's failure of any kind is reported and must not stop the others.
            catch (Exception e)
#pragma warning restore CA1031
            {
                outcomes.Add(new ExportOutcome(path, $"{e.GetType().Name}: {e.Message}"));
            }
        }

        return outcomes;
    }
}
