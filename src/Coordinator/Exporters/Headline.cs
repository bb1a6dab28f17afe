using IpcKit.Coordinator.Results;
using IpcKit.Coordinator.Statistics;
using IpcKit.Transports;
using Spectre.Console;

namespace IpcKit.Coordinator.Exporters;

/// <summary>The sentences every human-readable output starts with: where the figures were measured, and how.</summary>
internal static class Headline
{
    public static string Machine(BenchReport report)
    {
        var env = report.Environment;
        return $"ipckit {env.IpcKitVersion} · {env.CpuModel} · {env.Cores} cores · {env.DotNet} · Linux {env.Kernel} · load {Format.Number(env.LoadAverage)}";
    }

    public static string Settings(BenchReport report)
    {
        var s = report.Settings;
        string pin = s.Pin switch
        {
            "none" => "pin: none (the scheduler places both threads; figures can swing between runs — try --pin same or --pin split)",
            "same" when s.Cpus.Count > 0 => $"pin: same (coordinator and worker I/O threads both on CPU {s.Cpus[0]})",
            "split" when s.Cpus.Count > 1 => $"pin: split (coordinator on CPU {s.Cpus[0]}, worker on CPU {s.Cpus[1]})",
            _ => $"pin: {s.Pin}",
        };
        string trials = s.Trials == 1 ? "1 trial" : $"{s.Trials} interleaved trials";
        string budget = s.Iterations is { } n ? $"{Format.Count(n)} operations per case" : $"{Format.Number(s.DurationSeconds ?? 0, "0.###")} s per case";
        budget += $" over {trials}";
        string rings = (s.Wait, s.RingCapacity) switch
        {
            (null, null) => "",
            (_, null) => $" · rings (mmf, thread): wait {s.Wait}",
            (null, { } c) => $" · rings (mmf, thread): {ByteSize.Format(c)}",
            ({ } w, { } c) => $" · rings (mmf, thread): wait {w}, {ByteSize.Format(c)}",
        };
        return $"{pin} · {budget}, each after a warm-up until steady (at most {Format.Number(s.WarmupSeconds, "0.###")} s){rings}";
    }

    /// <summary>What to say about the reference: missing, or what the ratios are against. Empty when nothing.</summary>
    public static IReadOnlyList<string> Reference(Summary summary)
    {
        var run = summary.Report.ReferenceRun;
        var lines = new List<string>();
        if (run is { Available: false })
        {
            lines.Add($"reference: {run.Kind} is missing — {run.Note ?? "it could not run"}.");
        }

        if (summary.HasRatios)
        {
            lines.Add("vs ref: p50 ÷ the native twin's p50 (lower is better); for throughput msg/s ÷ the twin's (higher is better).");
            lines.Add("reference: the native C twin (ipckit-native), run right after each trial; a ratio is the median over the pairs of trials, with its 95% interval.");
        }

        if (run is { Available: true, Note: { } note })
        {
            lines.Add(note);
        }

        if (run?.Memcpy is { Count: > 0 } memcpy)
        {
            lines.Add(Memcpy(summary.Report, memcpy));
        }

        return lines;
    }

    /// <summary>The memcpy figures of the run, and each ring transport's one-way bytes/s as a share of them.</summary>
    private static string Memcpy(BenchReport report, IReadOnlyList<MemcpyFigure> memcpy)
    {
        var bySize = memcpy.ToDictionary(m => m.MessageSize, m => m.BytesPerSecond);
        var shares = report.Results
            .Where(r => r.Workload == "throughput" && !r.Failed && r.BytesPerSecond > 0 && bySize.ContainsKey(r.MessageSize) && RingTransports.Contains(r.Transport))
            .Select(r => $"{r.Transport} {Format.Size(r.MessageSize)} {Format.Number(100 * r.BytesPerSecond / bySize[r.MessageSize], "0")}%");
        string figures = string.Join(", ", memcpy.Select(m => $"{Format.Size(m.MessageSize)} {Format.Bytes(m.BytesPerSecond)}"));
        string against = string.Join(", ", shares);
        return $"memcpy in this run (one core, cache-warm): {figures}" + (against.Length > 0 ? $"; one-way throughput as a share of it: {against}." : ".");
    }

    /// <summary>What a marked figure means, under the tables of every human-readable output.</summary>
    public const string BestLegend =
        "the best figure of its column for that message size, and significantly better than the next (Mann–Whitney over their trials, p < 0.05); where no figure is marked, the leaders are the same within noise";

    public static string Caption(string workload) => workload switch
    {
        "latency" => "— round-trip time per message size",
        "throughput" => "— one-way stream; times are per message within batches of sends",
        "request" => "— typed Order request + reply (MessagePack)",
        _ => "",
    };
}

/// <summary>One colour per transport, in the order transports first appear, shared by the terminal and the SVG charts.</summary>
internal static class Palette
{
    public static readonly string[] Hex = ["#4269d0", "#efb118", "#ff725c", "#6cc5b0", "#3ca951", "#ff8ab7", "#a463f2", "#97bbf5", "#9c6b4e", "#9498a0"];

    public static readonly Color[] Console = [.. Hex.Select(h => new Color(Convert.ToByte(h[1..3], 16), Convert.ToByte(h[3..5], 16), Convert.ToByte(h[5..7], 16)))];
}
