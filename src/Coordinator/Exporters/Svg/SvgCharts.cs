using IpcKit.Coordinator.Results;
using IpcKit.Coordinator.Statistics;

namespace IpcKit.Coordinator.Exporters.Svg;

/// <summary>
/// The three charts of a report, as standalone SVG documents: latency percentiles per transport and size, throughput
/// against message size, and each transport's ratio to its reference. They draw figures of the <see cref="Summary"/>;
/// the only arithmetic here is layout.
/// </summary>
internal static class SvgCharts
{
    private const double Width = 960;
    private const string Grid = "#d0d7de";
    private const string Muted = "#57606a";
    private const string NativeColor = "#24292f";

    /// <summary>The file name and the renderer of each chart, in the order the HTML report shows them.</summary>
    public static readonly IReadOnlyList<(string File, Func<Summary, string> Render)> All =
    [
        ("latency.svg", Latency),
        ("throughput.svg", Throughput),
        ("ratio.svg", Ratio),
    ];

    public static string Latency(Summary summary)
    {
        var panels = summary.Workloads.Where(w => w != "throughput")
            .SelectMany(w => summary.SizesOf(w).Select(size => (Workload: w, Size: size,
                Rows: summary.RowsOf(w, size).Where(r => !r.Result.Failed && r.Result.Latency is not null).ToList())))
            .Where(p => p.Rows.Count > 0).ToList();
        const string title = "Latency percentiles per transport and message size";
        if (panels.Count == 0)
        {
            return Empty(title, "No latency or request results in this run.");
        }

        double left = 150, right = 200, rowHeight = 22;
        double height = 76 + panels.Sum(p => 30 + p.Rows.Count * rowHeight + 30);
        var svg = new SvgDocument(Width, height, title, "For each case: a dot at p50, a bar from p50 to p99, a whisker to p99.9, a tick at p90; log scale.");
        var all = panels.SelectMany(p => p.Rows).Select(r => r.Result.Latency!).ToList();
        var natives = panels.SelectMany(p => p.Rows).Select(r => r.Result.Reference).Where(n => n is { Error: null, P50Ns: > 0 }).Select(n => (double)n!.P50Ns).ToList();
        double min = Math.Min(all.Min(l => (double)l.P50Ns), natives.Count > 0 ? natives.Min() : double.MaxValue);
        double max = Math.Max(all.Max(l => (double)l.P999Ns), natives.Count > 0 ? natives.Max() : 0);
        var x = Scale.Log(min, max, left, Width - right);

        svg.Text(16, 44, "● p50   ▬ p50 to p99   — to p99.9   | p90" + (natives.Count > 0 ? "   ┆ native twin's p50" : "") + "   (log scale; shorter is better)", size: 11, fill: Muted);
        double y = 64;
        foreach (var (workload, size, rows) in panels)
        {
            svg.Text(16, y + 16, $"{workload}, {Format.Size(size)}", weight: "bold");
            double top = y + 26;
            double bottom = top + rows.Count * rowHeight;
            Axis(svg, x, top, bottom, Format.Duration);
            foreach (var (row, i) in rows.Select((r, i) => (r, i)))
            {
                var r = row.Result;
                var l = r.Latency!;
                string color = ColorOf(summary, r.Transport);
                double cy = top + i * rowHeight + rowHeight / 2;
                svg.Text(left - 10, cy + 4, r.Transport, anchor: "end");
                svg.Line(x[l.P50Ns], cy, x[l.P999Ns], cy, color, 1.5);
                svg.Rect(x[l.P50Ns], cy - 5, x[l.P99Ns] - x[l.P50Ns], 10, color, opacity: 0.45);
                svg.Line(x[l.P90Ns], cy - 7, x[l.P90Ns], cy + 7, color, 2);
                string tip = $"{r.Transport} {workload} {Format.Size(size)}: p50 {Format.Duration(l.P50Ns)}, p90 {Format.Duration(l.P90Ns)}, p99 {Format.Duration(l.P99Ns)}, p99.9 {Format.Duration(l.P999Ns)} ({Format.Count(l.Samples)} samples)";
                svg.Circle(x[l.P50Ns], cy, 5, color, tip);
                if (r.Reference is { Error: null, P50Ns: > 0 } n)
                {
                    svg.Line(x[n.P50Ns], cy - 9, x[n.P50Ns], cy + 9, NativeColor, 1.5, "2,2", $"native {n.Mechanism} p50 {Format.Duration(n.P50Ns)}");
                }

                svg.Text(Width - right + 12, cy + 4, $"{Format.Duration(l.P50Ns)} · p99 {Format.Duration(l.P99Ns)}", size: 11, fill: Muted);
            }

            y = bottom + 30;
        }

        return svg.ToString();
    }

    public static string Throughput(Summary summary)
    {
        var rows = summary.RowsOf("throughput").Where(r => !r.Result.Failed && r.Result.BytesPerSecond > 0).ToList();
        const string title = "Throughput against message size";
        if (rows.Count == 0)
        {
            return Empty(title, "No throughput results in this run.");
        }

        var native = rows.Where(r => r.Result.Reference is { Error: null, BytesPerSecond: > 0 })
            .GroupBy(r => r.Result.Reference!.Mechanism)
            .Select(g => (Mechanism: g.Key, Points: g.GroupBy(r => r.Result.MessageSize).Select(s => (Size: s.Key, Bytes: s.First().Result.Reference!.BytesPerSecond)).OrderBy(p => p.Size).ToList()))
            .ToList();
        double left = 100, right = 190, top = 60, height = 440, bottom = height - 50;
        var svg = new SvgDocument(Width, height, title, "Bytes per second of a one-way stream for each transport and message size; both axes logarithmic.");
        svg.Text(16, 44, "bytes per second (log scale; higher is better) against message size (log scale)" + (native.Count > 0 ? "; dashed: native twins" : ""), size: 11, fill: Muted);
        var sizes = rows.Select(r => (double)r.Result.MessageSize).ToList();
        var values = rows.Select(r => r.Result.BytesPerSecond).Concat(native.SelectMany(n => n.Points.Select(p => p.Bytes))).ToList();
        var x = Scale.Log2(sizes.Min(), sizes.Max(), left, Width - right);
        var y = Scale.Log(values.Min(), values.Max(), bottom, top);
        foreach (double tick in y.BinaryTicks())
        {
            svg.Line(left, y[tick], Width - right, y[tick], Grid, 1);
            svg.Text(left - 8, y[tick] + 4, Format.Bytes(tick), anchor: "end", size: 11, fill: Muted);
        }

        foreach (double size in sizes.Distinct())
        {
            svg.Line(x[size], bottom, x[size], bottom + 5, Muted, 1);
            svg.Text(x[size], bottom + 18, Format.Size((int)size), anchor: "middle", size: 11, fill: Muted);
        }

        svg.Line(left, bottom, Width - right, bottom, Muted, 1);
        svg.Text((left + Width - right) / 2, height - 12, "message size", anchor: "middle", size: 11, fill: Muted);
        double legend = top + 4;
        foreach (var (mechanism, points) in native)
        {
            svg.Polyline(points.Select(p => (x[p.Size], y[p.Bytes])), NativeColor, 1.5, "5,4");
            foreach (var p in points)
            {
                svg.Circle(x[p.Size], y[p.Bytes], 3, NativeColor, $"native {mechanism} {Format.Size(p.Size)}: {Format.Bytes(p.Bytes)}");
            }

            svg.Key(Width - right + 20, legend, NativeColor, $"native {mechanism}", "5,4");
            legend += 18;
        }

        foreach (var transport in rows.GroupBy(r => r.Result.Transport))
        {
            string color = ColorOf(summary, transport.Key);
            var points = transport.OrderBy(r => r.Result.MessageSize).ToList();
            svg.Polyline(points.Select(r => (x[r.Result.MessageSize], y[r.Result.BytesPerSecond])), color, 2.5);
            foreach (var r in points)
            {
                svg.Circle(x[r.Result.MessageSize], y[r.Result.BytesPerSecond], 4.5, color,
                    $"{transport.Key} {Format.Size(r.Result.MessageSize)}: {Format.Bytes(r.Result.BytesPerSecond)}, {Format.Rate(r.Result.MessagesPerSecond)} msg/s");
            }

            svg.Key(Width - right + 20, legend, color, transport.Key);
            legend += 18;
        }

        return svg.ToString();
    }

    public static string Ratio(Summary summary)
    {
        const string title = "Each transport against its reference";
        var panels = summary.Workloads
            .Select(w => (Workload: w, Rows: summary.RowsOf(w).Where(r => r.Baseline is { Ratio: not null }).ToList()))
            .Where(p => p.Rows.Count > 0).ToList();
        if (panels.Count == 0)
        {
            return Empty(title, "No reference in this run: run with --reference native.");
        }

        double left = 170, right = 210, rowHeight = 22;
        double height = 64 + panels.Sum(p => 30 + p.Rows.Count * rowHeight + 30);
        var svg = new SvgDocument(Width, height, title, "Latency: p50 divided by the native twin's p50. Throughput: messages per second divided by the twin's. Per pair of trials, the median shown.");
        svg.Text(16, 44, "reference: the native C twin, measured right after each trial; the median of the per-trial ratios", size: 11, fill: Muted);
        double y = 56;
        foreach (var (workload, rows) in panels)
        {
            bool rate = workload == "throughput";
            svg.Text(16, y + 16, rate ? $"{workload}: messages/s ÷ the reference's (higher is better)" : $"{workload}: p50 ÷ the reference's p50 (lower is better)", weight: "bold");
            double top = y + 26;
            double bottom = top + rows.Count * rowHeight;
            var x = Scale.Linear(Math.Max(1, rows.Max(r => r.Baseline!.Ratio!.Median)), left, Width - right);
            Axis(svg, x, top, bottom, Format.Ratio);
            foreach (var (row, i) in rows.Select((r, i) => (r, i)))
            {
                var r = row.Result;
                var b = row.Baseline!;
                double cy = top + i * rowHeight + rowHeight / 2;
                svg.Text(left - 10, cy + 4, $"{r.Transport} · {Format.Size(r.MessageSize)}", anchor: "end");
                svg.Rect(left, cy - 7, x[b.Ratio!.Median] - left, 14, ColorOf(summary, r.Transport), $"{r.Transport} {Format.Size(r.MessageSize)}: {Format.Ratio(b.Ratio.Median)} {b.Label}");
                svg.Text(Width - right + 12, cy + 4, $"{Format.Ratio(b.Ratio.Median)} {b.Label}", size: 11, fill: Muted);
            }

            svg.Line(x[1], top - 4, x[1], bottom + 4, NativeColor, 1.5, "4,3");
            y = bottom + 30;
        }

        return svg.ToString();
    }

    private static void Axis(SvgDocument svg, Scale x, double top, double bottom, Func<double, string> label)
    {
        foreach (double tick in x.Ticks())
        {
            svg.Line(x[tick], top, x[tick], bottom, Grid, 1);
            svg.Text(x[tick], bottom + 14, label(tick), anchor: "middle", size: 10, fill: Muted);
        }
    }

    private static string Empty(string title, string message)
    {
        var svg = new SvgDocument(Width, 80, title, message);
        svg.Text(16, 56, message, fill: Muted);
        return svg.ToString();
    }

    private static string ColorOf(Summary summary, string transport)
    {
        int i = summary.Transports.ToList().IndexOf(transport);
        return Palette.Hex[Math.Max(0, i) % Palette.Hex.Length];
    }
}
