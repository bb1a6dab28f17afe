using System.Globalization;
using IpcKit.Coordinator.Commands;
using IpcKit.Coordinator.Exporters;
using IpcKit.Coordinator.Exporters.Svg;
using IpcKit.Coordinator.Results;
using IpcKit.Coordinator.Statistics;

namespace IpcKit.Coordinator.Tests;

/// <summary>Every output format by name, and a way to produce it under a given culture.</summary>
internal static class Outputs
{
    public static readonly IReadOnlyDictionary<string, Func<BenchReport, string>> Formats = new Dictionary<string, Func<BenchReport, string>>
    {
        ["console.txt"] = Console,
        ["json"] = JsonExporter.Write,
        ["csv"] = CsvExporter.Write,
        ["md"] = MarkdownExporter.Write,
        ["html"] = HtmlExporter.Write,
        ["latency.svg"] = r => SvgCharts.Latency(Summary.Of(r)),
        ["throughput.svg"] = r => SvgCharts.Throughput(Summary.Of(r)),
        ["ratio.svg"] = r => SvgCharts.Ratio(Summary.Of(r)),
    };

    public static readonly IReadOnlyDictionary<string, Func<BenchReport>> Reports = new Dictionary<string, Func<BenchReport>>
    {
        ["full"] = SampleReports.Full,
        ["minimal"] = SampleReports.Minimal,
        ["reference-missing"] = SampleReports.ReferenceMissing,
    };

    /// <summary>The terminal output as it goes to a file or a pipe: no colour, 200 columns.</summary>
    public static string Console(BenchReport report)
    {
        var writer = new StringWriter();
        ConsoleExporter.Write(Terminal.Plain(writer), report);
        return writer.ToString();
    }

    /// <summary>Runs <paramref name="body"/> with the current culture and UI culture set to <paramref name="name"/>.</summary>
    public static T InCulture<T>(string name, Func<T> body)
    {
        var (culture, ui) = (CultureInfo.CurrentCulture, CultureInfo.CurrentUICulture);
        try
        {
            CultureInfo.CurrentCulture = CultureInfo.CurrentUICulture = CultureInfo.GetCultureInfo(name);
            return body();
        }
        finally
        {
            (CultureInfo.CurrentCulture, CultureInfo.CurrentUICulture) = (culture, ui);
        }
    }

    public static TheoryData<string, string> All()
    {
        var data = new TheoryData<string, string>();
        foreach (string report in Reports.Keys)
        {
            foreach (string format in Formats.Keys)
            {
                data.Add(report, format);
            }
        }

        return data;
    }
}
