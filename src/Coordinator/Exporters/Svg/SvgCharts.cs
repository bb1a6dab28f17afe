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
                Rows: summary.RowsOf(w, size).Where(r => !r.Result.Failed && r.Result.Latency is not null)
                    .OrderBy(r => Verdict.IsInProcess(r.Result.Transport)).ToList())))
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

        svg.Text(16, 44, "● p50 (I its 95% interval over the trials)   ▬ p50 to p99   — to p99.9   | p90" + (natives.Count > 0 ? "   ┆ native twin's p50" : "")
            + "   pale, below the line: in-process baselines   (log scale; shorter is better)", size: 11, fill: Muted);
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
                bool baseline = Verdict.IsInProcess(r.Transport);
                double cy = top + i * rowHeight + rowHeight / 2;
                if (baseline && (i == 0 || !Verdict.IsInProcess(rows[i - 1].Result.Transport)))
                {
                    svg.Line(16, cy - rowHeight / 2, Width - 16, cy - rowHeight / 2, Muted, 1, "3,3");
                    svg.Text(16, cy + 4, "in-process", size: 10, fill: Muted);
                }

                svg.Text(left - 10, cy + 4, r.Transport, anchor: "end", fill: baseline ? Muted : "#1f2328");
                svg.Line(x[l.P50Ns], cy, x[l.P999Ns], cy, color, 1.5, baseline ? Palette.BaselineDash : null);
                svg.Rect(x[l.P50Ns], cy - 5, x[l.P99Ns] - x[l.P50Ns], 10, color, opacity: baseline ? 0.2 : 0.45);
                svg.Line(x[l.P90Ns], cy - 7, x[l.P90Ns], cy + 7, color, 2);
                string tip = $"{r.Transport} {workload} {Format.Size(size)}: p50 {Format.Duration(l.P50Ns)}, p90 {Format.Duration(l.P90Ns)}, p99 {Format.Duration(l.P99Ns)}, p99.9 {Format.Duration(l.P999Ns)} ({Format.Count(l.Samples)} samples)";
                if (r.P50 is { Trials: > 1 } ci && ci.CiHigh > ci.CiLow)
                {
                    ErrorBar(svg, x[ci.CiLow], x[ci.CiHigh], cy, $"p50 95% interval over {ci.Trials} trials: {Format.Duration(ci.CiLow)} to {Format.Duration(ci.CiHigh)}");
                }

                svg.Circle(x[l.P50Ns], cy, 5, color, tip);
                if (r.Reference is { Error: null, P50Ns: > 0 } n)
                {
                    svg.Line(x[n.P50Ns], cy - 9, x[n.P50Ns], cy + 9, Palette.Native, 1.5, "2,2", $"native {n.Mechanism} p50 {Format.Duration(n.P50Ns)}");
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
        svg.Text(16, 44, "bytes per second (log scale; higher is better) against message size (log scale); I: 95% interval over the trials; long dashes: in-process baselines"
            + (native.Count > 0 ? "; dark dots: native twins" : ""), size: 11, fill: Muted);
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
        var labels = new List<(double X, double Y, string Text, string Color)>();
        foreach (var (mechanism, points) in native)
        {
            svg.Polyline(points.Select(p => (x[p.Size], y[p.Bytes])), Palette.Native, 1.5, Palette.NativeDash);
            foreach (var p in points)
            {
                svg.Circle(x[p.Size], y[p.Bytes], 3, Palette.Native, $"native {mechanism} {Format.Size(p.Size)}: {Format.Bytes(p.Bytes)}");
            }

            labels.Add((x[points[^1].Size], y[points[^1].Bytes], $"native {mechanism}", Palette.Native));
        }

        foreach (var transport in rows.GroupBy(r => r.Result.Transport))
        {
            var (color, dash) = Palette.Of(transport.Key, summary.Transports);
            bool baseline = Verdict.IsInProcess(transport.Key);
            var points = transport.OrderBy(r => r.Result.MessageSize).ToList();
            svg.Polyline(points.Select(r => (x[r.Result.MessageSize], y[r.Result.BytesPerSecond])), color, baseline ? 2 : 2.5, dash);
            foreach (var r in points)
            {
                if (Summary.EstimateOf(r, Column.Bytes) is { Trials: > 1 } e && e.CiHigh > e.CiLow)
                {
                    VerticalErrorBar(svg, x[r.Result.MessageSize], y[e.CiLow], y[e.CiHigh], color,
                        $"{transport.Key} {Format.Size(r.Result.MessageSize)}: 95% interval over {e.Trials} trials {Format.Bytes(e.CiLow)} to {Format.Bytes(e.CiHigh)}");
                }

                svg.Circle(x[r.Result.MessageSize], y[r.Result.BytesPerSecond], baseline ? 3.5 : 4.5, color,
                    $"{transport.Key} {Format.Size(r.Result.MessageSize)}: {Format.Bytes(r.Result.BytesPerSecond)}, {Format.Rate(r.Result.MessagesPerSecond)} msg/s",
                    stroke: baseline ? "#1f2328" : "#ffffff");
            }

            labels.Add((x[points[^1].Result.MessageSize], y[points[^1].Result.BytesPerSecond], baseline ? $"{transport.Key} (in-process)" : transport.Key, color));
        }

        // Each line is named at its right end; names that would overlap are pushed apart, keeping their order, and a
        // thin leader joins a moved name to the end of its line.
        double next = double.MinValue;
        foreach (var (lx, ly, text, color) in labels.OrderBy(l => l.Y))
        {
            double at = Math.Max(ly + 4, next);
            if (at - 4 - ly > 2)
            {
                svg.Line(lx + 6, ly, Width - right + 8, at - 4, color, 0.75);
            }

            svg.Text(Width - right + 12, at, text, fill: color, weight: "bold");
            next = at + 14;
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

        double left = 170, right = 230, rowHeight = 22;
        double height = 64 + panels.Sum(p => 30 + p.Rows.Count * rowHeight + 46);
        var svg = new SvgDocument(Width, height, title,
            "Latency: p50 divided by the native twin's p50. Throughput: messages per second divided by the twin's. Per pair of trials, the median shown with its 95% interval; log scale centred on 1×.");
        svg.Text(16, 44, "reference: the native C twin, measured right after each trial; bar: the median of the per-trial ratios, I: its 95% interval; log scale centred on 1×", size: 11, fill: Muted);
        double y = 56;
        foreach (var (workload, rows) in panels)
        {
            bool rate = workload == "throughput";
            svg.Text(16, y + 16, rate ? $"{workload}: messages/s ÷ the reference's (higher is better)" : $"{workload}: p50 ÷ the reference's p50 (lower is better)", weight: "bold");
            double top = y + 26;
            double bottom = top + rows.Count * rowHeight;
            double reach = rows.Select(r => r.Baseline!.Ratio!).SelectMany(e => new[] { e.Median, e.CiLow, e.CiHigh }).Where(v => v > 0)
                .Select(v => Math.Max(v, 1 / v)).DefaultIfEmpty(2).Max();
            var x = Scale.Centred(reach, left, Width - right);
            Axis(svg, x, top, bottom, Format.Ratio);
            svg.Text(x[1] - 8, bottom + 30, rate ? "← slower than native" : "← faster than native", anchor: "end", size: 10, fill: Muted);
            svg.Text(x[1] + 8, bottom + 30, rate ? "faster than native →" : "slower than native →", size: 10, fill: Muted);
            foreach (var (row, i) in rows.Select((r, i) => (r, i)))
            {
                var r = row.Result;
                var b = row.Baseline!;
                var ratio = b.Ratio!;
                double cy = top + i * rowHeight + rowHeight / 2;
                double at = x[ratio.Median];
                svg.Text(left - 10, cy + 4, $"{r.Transport} · {Format.Size(r.MessageSize)}", anchor: "end");
                svg.Rect(Math.Min(x[1], at), cy - 7, Math.Abs(at - x[1]), 14, ColorOf(summary, r.Transport), $"{r.Transport} {Format.Size(r.MessageSize)}: {Format.Ratio(ratio.Median)} {b.Label}");
                if (ratio.Trials > 1 && ratio.CiHigh > ratio.CiLow)
                {
                    ErrorBar(svg, x[ratio.CiLow], x[ratio.CiHigh], cy, $"95% interval over {ratio.Trials} pairs of trials: {Format.Ratio(ratio.CiLow)} to {Format.Ratio(ratio.CiHigh)}");
                }

                string interval = ratio.Trials > 1 ? $" ({Format.Number(ratio.CiLow)}–{Format.Number(ratio.CiHigh)})" : "";
                svg.Text(Width - right + 12, cy + 4, $"{Format.Ratio(ratio.Median)}{interval} {b.Label}", size: 11, fill: Muted);
            }

            svg.Line(x[1], top - 4, x[1], bottom + 4, Palette.Native, 1.5, "4,3");
            y = bottom + 46;
        }

        return svg.ToString();
    }

    /// <summary>A horizontal error bar with end caps, dark so it reads over any bar colour.</summary>
    private static void ErrorBar(SvgDocument svg, double x1, double x2, double cy, string tooltip)
    {
        svg.Line(x1, cy, x2, cy, Palette.Native, 1.25, tooltip: tooltip);
        svg.Line(x1, cy - 4, x1, cy + 4, Palette.Native, 1.25);
        svg.Line(x2, cy - 4, x2, cy + 4, Palette.Native, 1.25);
    }

    private static void VerticalErrorBar(SvgDocument svg, double cx, double y1, double y2, string color, string tooltip)
    {
        svg.Line(cx, y1, cx, y2, color, 1.25, tooltip: tooltip);
        svg.Line(cx - 4, y1, cx + 4, y1, color, 1.25);
        svg.Line(cx - 4, y2, cx + 4, y2, color, 1.25);
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

    private static string ColorOf(Summary summary, string transport) => Palette.Of(transport, summary.Transports).Hex;
}
