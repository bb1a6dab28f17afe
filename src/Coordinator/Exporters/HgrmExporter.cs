using HdrHistogram;
using IpcKit.Coordinator.Results;
using IpcKit.Coordinator.Statistics;

namespace IpcKit.Coordinator.Exporters;

/// <summary>
/// Each case's latency distribution (every trial merged) in HdrHistogram's percentile text form (.hgrm), values in
/// microseconds, for HdrHistogram's plotter and people's own tools. Only a run that has the histograms writes them:
/// `bench --output-dir`; a result read back from JSON has only its percentiles.
/// </summary>
internal static class HgrmExporter
{
    public const string Directory = "hgrm";

    /// <summary>One output per case with a histogram: hgrm/TRANSPORT-WORKLOAD-SIZE.hgrm.</summary>
    public static IEnumerable<(string File, Func<Summary, string> Render)> For(BenchReport report) =>
        report.Results.Where(r => r.Histogram is { TotalCount: > 0 }).Select(r =>
            (Path.Combine(Directory, $"{r.Transport}-{r.Workload}-{Format.Size(r.MessageSize)}.hgrm"), (Func<Summary, string>)(_ => Render(r.Histogram!))));

    public static string Render(HistogramBase histogram)
    {
        var writer = new StringWriter(System.Globalization.CultureInfo.InvariantCulture);
        histogram.OutputPercentileDistribution(writer, outputValueUnitScalingRatio: 1000.0);
        return writer.ToString();
    }
}
