using HdrHistogram;
using IpcKit.Coordinator.Results;

namespace IpcKit.Coordinator.Statistics;

/// <summary>
/// Operation times go into HdrHistogram (constant memory, no allocation while recording, histograms of trials merge by
/// addition) instead of arrays of samples. Values are kept to 3 significant digits: exact below 2048 ns, within 0.1%
/// above, up to an hour.
/// </summary>
internal static class Percentiles
{
    /// <summary>The largest time a histogram holds: an hour, in ns. Longer times are recorded as this.</summary>
    public const long HighestNs = 3_600_000_000_000;

    /// <summary>A histogram of nanosecond times (about 300 KB, allocated here, never on the measuring thread).</summary>
    public static HistogramBase CreateHistogram() => new LongHistogram(HighestNs, 3);

    /// <summary>
    /// The percentiles of a histogram, or null when it is empty. A percentile q is the smallest recorded value with at
    /// least q of all values at or below it (nearest rank, as HdrHistogram computes it: of 1..1000, p50 is 500, p90
    /// 900, p99 990 and p99.9 999), reported as the highest value equivalent to it at the histogram's precision.
    /// </summary>
    public static LatencyStats? Of(HistogramBase histogram)
    {
        long count = histogram.TotalCount;
        if (count == 0)
        {
            return null;
        }

        long min = histogram.LowestEquivalentValue(histogram.RecordedValues().First().ValueIteratedTo);
        return new LatencyStats(
            histogram.GetValueAtPercentile(50), histogram.GetValueAtPercentile(90), histogram.GetValueAtPercentile(99),
            histogram.GetValueAtPercentile(99.9), histogram.GetMaxValue(), histogram.GetMean(), min, count)
        {
            P9999Ns = histogram.GetValueAtPercentile(99.99),
        };
    }
}
