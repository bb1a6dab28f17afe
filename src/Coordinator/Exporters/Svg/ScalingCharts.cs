using IpcKit.Coordinator.Results;
using IpcKit.Coordinator.Statistics;

namespace IpcKit.Coordinator.Exporters.Svg;

/// <summary>
/// The charts of --workers and --rate (issue 15), in the style of <see cref="SvgCharts"/>: aggregate throughput and p99
/// against the number of workers, per transport, with the CPU count marked; and p99 and p99.9 against the offered rate,
/// per transport, with the rate at which each saturated marked. Only the charts a run has figures for are written.
/// </summary>
internal static class ScalingCharts
{
    private const double Width = 960;
    private const double PanelHeight = 300;
    private const string Grid = "#d0d7de";
    private const string Muted = "#57606a";
    private const string Warning = "#cf222e";

    /// <summary>The charts that apply to a report: scaling.svg with --workers, load.svg with --rate.</summary>
    public static IReadOnlyList<(string File, Func<Summary, string> Render)> For(BenchReport report) =>
    [
        .. report.Results.Any(r => r.Workers is not null) ? [("scaling.svg", (Func<Summary, string>)Scaling)] : Array.Empty<(string, Func<Summary, string>)>(),
        .. report.Results.Any(r => r.OfferedRate is not null) ? [("load.svg", (Func<Summary, string>)Load)] : Array.Empty<(string, Func<Summary, string>)>(),
    ];

    public static string Scaling(Summary summary)
    {
        var report = summary.Report;
        int cpus = report.Environment.AllowedCpus.Count;
        var panels = report.Results.Where(r => r.Workers is not null && !r.Failed)
            .GroupBy(r => (r.Workload, r.Shape, r.MessageSize)).ToList();
        double height = 70 + panels.Count * (PanelHeight + 40);
        var svg = new SvgDocument(Width, height, "Throughput and p99 against the number of workers",
            "For each transport: aggregate messages per second (left) and p99 of the per-operation times (right) as workers are added; the dashed line is the number of CPUs.");
        svg.Text(16, 44, $"left: aggregate msg/s (log; higher is better) · right: p99 (log; lower is better) · dashed: {cpus} CPUs — beyond it the workers time-share", size: 11, fill: Muted);
        double y = 64;
        foreach (var panel in panels)
        {
            svg.Text(16, y + 16, $"{panel.Key.Workload}, {panel.Key.Shape}, {Format.Size(panel.Key.MessageSize)}", weight: "bold");
            var rows = panel.ToList();
            var ns = rows.Select(r => (double)r.Workers!.Value).Distinct().Order().ToList();
            double half = (Width - 60) / 2;
            Plot(svg, summary, rows, ns, cpus, 60, y + 30, half - 40, r => r.MessagesPerSecond, Format.Rate, "msg/s");
            Plot(svg, summary, rows.Where(r => r.Latency is not null).ToList(), ns, cpus, 60 + half + 20, y + 30, half - 40,
                r => r.Latency!.P99Ns, Format.Duration, "p99");
            y += PanelHeight + 40;
        }

        return svg.ToString();
    }

    private static void Plot(
        SvgDocument svg, Summary summary, IReadOnlyList<CaseResult> rows, IReadOnlyList<double> ns, int cpus, double left, double top, double width,
        Func<CaseResult, double> value, Func<double, string> format, string what)
    {
        double bottom = top + PanelHeight - 50;
        var values = rows.Select(value).Where(v => v > 0).ToList();
        if (values.Count == 0)
        {
            return;
        }

        var x = Scale.Log2(ns.Min(), Math.Max(ns.Max(), cpus), left + 50, left + width);
        var yScale = Scale.Log(values.Min(), values.Max(), bottom, top);
        foreach (double tick in yScale.Ticks())
        {
            svg.Line(left + 50, yScale[tick], left + width, yScale[tick], Grid, 1);
            svg.Text(left + 44, yScale[tick] + 4, format(tick), anchor: "end", size: 10, fill: Muted);
        }

        foreach (double n in ns)
        {
            svg.Text(x[n], bottom + 16, $"{n:0}", anchor: "middle", size: 11, fill: Muted);
        }

        svg.Line(x[cpus], top, x[cpus], bottom, Muted, 1.5, "5,4", $"{cpus} CPUs");
        svg.Text((left + 50 + left + width) / 2, bottom + 32, "workers", anchor: "middle", size: 11, fill: Muted);
        foreach (var transport in rows.GroupBy(r => r.Transport))
        {
            string color = ColorOf(summary, transport.Key);
            var points = transport.Where(r => value(r) > 0).OrderBy(r => r.Workers).ToList();
            svg.Polyline(points.Select(r => (x[r.Workers!.Value], yScale[value(r)])), color, 2.5);
            foreach (var r in points)
            {
                svg.Circle(x[r.Workers!.Value], yScale[value(r)], 4.5, color, $"{r.Transport}, {r.Workers} workers: {what} {format(value(r))}");
            }

            var last = points[^1];
            svg.Text(x[last.Workers!.Value] + 8, yScale[value(last)] + 4, transport.Key, size: 11, fill: color);
        }
    }

    public static string Load(Summary summary)
    {
        var report = summary.Report;
        var panels = report.Results.Where(r => r.OfferedRate is not null && r.Error is null && r.Latency is not null)
            .GroupBy(r => r.MessageSize).ToList();
        double height = 70 + panels.Count * (PanelHeight + 40);
        var svg = new SvgDocument(Width, height, "p99 and p99.9 against offered load",
            "Open loop: each latency counted from the time its message was due. Solid: p99; dashed: p99.9; a red ring marks a rate the transport could not keep up with, and the vertical line where it saturated.");
        svg.Text(16, 44, "latency from each message's due time (log; lower is better) against offered msg/s (log) · solid p99, dashed p99.9 · red ring: saturated", size: 11, fill: Muted);
        double y = 64;
        double left = 110, right = 160;
        foreach (var panel in panels)
        {
            svg.Text(16, y + 16, $"latency, {Format.Size(panel.Key)}", weight: "bold");
            double top = y + 30, bottom = top + PanelHeight - 50;
            var rows = panel.ToList();
            var rates = rows.Select(r => r.OfferedRate!.Value).ToList();
            var x = Scale.Log(rates.Min(), rates.Max(), left, Width - right);
            var values = rows.SelectMany(r => new[] { (double)r.Latency!.P99Ns, r.Latency.P999Ns }).ToList();
            var yScale = Scale.Log(values.Min(), values.Max(), bottom, top);
            foreach (double tick in yScale.Ticks())
            {
                svg.Line(left, yScale[tick], Width - right, yScale[tick], Grid, 1);
                svg.Text(left - 8, yScale[tick] + 4, Format.Duration(tick), anchor: "end", size: 10, fill: Muted);
            }

            foreach (double rate in rates.Distinct())
            {
                svg.Text(x[rate], bottom + 16, Format.Rate(rate), anchor: "middle", size: 11, fill: Muted);
            }

            svg.Text((left + Width - right) / 2, bottom + 32, "offered msg/s", anchor: "middle", size: 11, fill: Muted);
            double legend = top + 4;
            foreach (var transport in rows.GroupBy(r => r.Transport))
            {
                string color = ColorOf(summary, transport.Key);
                var points = transport.OrderBy(r => r.OfferedRate).ToList();
                svg.Polyline(points.Select(r => (x[r.OfferedRate!.Value], yScale[r.Latency!.P99Ns])), color, 2.5);
                svg.Polyline(points.Select(r => (x[r.OfferedRate!.Value], yScale[r.Latency!.P999Ns])), color, 1.5, "5,4");
                foreach (var r in points)
                {
                    double cx = x[r.OfferedRate!.Value];
                    string tip = $"{r.Transport} at {Format.Rate(r.OfferedRate.Value)} msg/s offered: achieved {Format.Rate(r.MessagesPerSecond)}, p99 {Format.Duration(r.Latency!.P99Ns)}, p99.9 {Format.Duration(r.Latency.P999Ns)}"
                        + (r.Latency.P9999Ns is { } p4 ? $", p99.99 {Format.Duration(p4)}" : "") + (r.Saturated == true ? " — saturated" : "");
                    if (r.Saturated == true)
                    {
                        svg.Circle(cx, yScale[r.Latency.P99Ns], 7, "none", tip, stroke: Warning);
                    }

                    svg.Circle(cx, yScale[r.Latency.P99Ns], 4, color, tip);
                }

                if (report.Saturation?.FirstOrDefault(s => s.Transport == transport.Key && s.MessageSize == panel.Key) is { SaturatedAt: { } at })
                {
                    svg.Line(x[at], top, x[at], bottom, color, 1.5, "2,3", $"{transport.Key} saturates at {Format.Rate(at)} msg/s");
                    svg.Text(x[at] + 4, top + 12, $"{transport.Key} saturates", size: 10, fill: color);
                }

                svg.Key(Width - right + 20, legend, color, transport.Key);
                legend += 18;
            }

            y += PanelHeight + 40;
        }

        return svg.ToString();
    }

    private static string ColorOf(Summary summary, string transport)
    {
        int i = summary.Transports.ToList().IndexOf(transport);
        return Palette.Hex[Math.Max(0, i) % Palette.Hex.Length];
    }
}
