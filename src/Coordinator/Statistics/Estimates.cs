using IpcKit.Coordinator.Results;

namespace IpcKit.Coordinator.Statistics;

/// <summary>
/// Summaries of a figure over trials (docs/statistics.md). The figure of a case is the median of its trials; the spread
/// is their min–max; the 95% confidence interval is a Student t-interval on the logarithms of the trials' values,
/// taken back by exp: an interval for the geometric mean. The log scale suits figures that are positive and skewed by
/// noise (times, rates) and ratios, where 2× slower and 2× faster are the same distance from 1.
/// </summary>
internal static class Estimates
{
    // Two-sided 95% quantiles of Student's t for 1..30 degrees of freedom.
    private static readonly double[] T975 =
    [
        12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145, 2.131,
        2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
    ];

    /// <summary>The 97.5% quantile of Student's t with <paramref name="df"/> degrees of freedom (beyond 30: within 0.002).</summary>
    public static double TQuantile(int df) => df < 1
        ? throw new ArgumentOutOfRangeException(nameof(df))
        : df <= T975.Length ? T975[df - 1] : 1.95996 + 2.4 / df;

    public static double Median(IReadOnlyList<double> values)
    {
        if (values.Count == 0)
        {
            throw new ArgumentException("No values.", nameof(values));
        }

        var sorted = values.Order().ToArray();
        int mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    /// <summary>The median, spread and 95% interval of <paramref name="values"/>, or null when there are none.</summary>
    public static Estimate? Of(IReadOnlyList<double> values)
    {
        if (values.Count == 0)
        {
            return null;
        }

        double median = Median(values);
        double min = values.Min(), max = values.Max();
        if (values.Count == 1 || min == max)
        {
            return new Estimate(median, min, max, median, median, values.Count);
        }

        // Zero or negative values have no logarithm: then the interval is taken on the values themselves.
        bool logScale = min > 0;
        var xs = logScale ? values.Select(v => Math.Log(v)).ToArray() : [.. values];
        double mean = xs.Average();
        double variance = xs.Sum(x => (x - mean) * (x - mean)) / (xs.Length - 1);
        double half = TQuantile(xs.Length - 1) * Math.Sqrt(variance / xs.Length);
        return logScale
            ? new Estimate(median, min, max, Math.Exp(mean - half), Math.Exp(mean + half), values.Count)
            : new Estimate(median, min, max, mean - half, mean + half, values.Count);
    }

    /// <summary>How far the interval reaches from its centre, relatively: ±Y% as people read it (0.1 is ±10%).</summary>
    public static double RelativeHalfWidth(Estimate e) =>
        e.CiLow > 0 ? Math.Sqrt(e.CiHigh / e.CiLow) - 1 : e.Median != 0 ? (e.CiHigh - e.CiLow) / 2 / Math.Abs(e.Median) : 0;
}
