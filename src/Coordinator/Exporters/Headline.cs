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
        string vm = env.Virtualized == true ? " (virtual machine)" : "";
        return $"ipckit {env.IpcKitVersion} · {env.CpuModel}{vm} · {env.Cores} cores · {env.DotNet} · Linux {env.Kernel} · load {Format.Number(env.LoadAverage)}";
    }

    /// <summary>
    /// Why round trips over the kernel transports are slow here, when the machine is a guest whose idle vCPUs halt at
    /// once and the two threads may sit on different CPUs; null otherwise.
    /// </summary>
    public static string? SleepingCpus(BenchReport report) =>
        report.Environment.CpuIdle is { HaltsAtOnce: true } && report.Settings.Pin != "same"
            ? "idle vCPUs halt at once here (cpuidle haltpoll, guest_halt_poll_ns 0): waking a thread on the other CPU goes through the hypervisor, "
              + "so a round trip over a kernel transport at this placement is mostly wake-up time. --pin same, or the rings with --wait spin, avoid it; "
              + "docs/statistics.md (\"Sleeping CPUs\") has figures."
            : null;

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
        rings += s.ZeroCopy ? ", zero-copy sends" : "";
        return $"{pin} · {budget}, each after a warm-up until steady (at most {Format.Number(s.WarmupSeconds, "0.###")} s){rings}";
    }

    /// <summary>
    /// What --workers and --rate found, in words: what oversubscribing the CPUs cost each transport, and where each
    /// saturated. Empty when neither was asked for.
    /// </summary>
    public static IReadOnlyList<string> Findings(BenchReport report)
    {
        var lines = new List<string>();
        if (report.Scaling is { } scaling)
        {
            lines.Add(scaling.Count == 0
                ? $"oversubscription: no worker count above the {report.Environment.AllowedCpus.Count} CPUs was run; give --workers a larger N to see what time-sharing costs."
                : $"oversubscription ({report.Environment.AllowedCpus.Count} CPUs; spinning waits collapse, blocking ones degrade):");
            lines.AddRange(scaling.Select(n => "  " + n.Text));
        }

        if (report.Saturation is { } saturation)
        {
            lines.Add($"saturation (achieved below {Format.Number(CaseStatistics.SaturationShare * 100, "0")}% of the offered rate; latency counted from each message's due time):");
            lines.AddRange(saturation.Select(n => "  " + n.Text));
        }

        if (lines.Count > 0 && report.Environment.LoadAverage >= report.Environment.AllowedCpus.Count)
        {
            lines.Add($"  (measured at load {Format.Number(report.Environment.LoadAverage)} on {report.Environment.AllowedCpus.Count} CPUs: indicative only)");
        }

        return lines;
    }

    /// <summary>
    /// The notes under the settings: why kernel round trips are slow when idle vCPUs halt at once, where the workers ran
    /// when that was another host (--remote), and what to say about the reference (missing, or what the ratios are
    /// against). Empty when nothing.
    /// </summary>
    public static IReadOnlyList<string> Reference(Summary summary)
    {
        var run = summary.Report.ReferenceRun;
        var lines = new List<string>();
        if (SleepingCpus(summary.Report) is { } sleeping)
        {
            lines.Add(sleeping);
        }

        if (summary.Report.Remote is { } remote)
        {
            // The worker's host is the other half of every figure (docs/remote.md).
            var env = remote.Environment;
            lines.Add($"workers on {remote.Target}: ipckit {env.IpcKitVersion} · {env.CpuModel} · {env.Cores} cores · Linux {env.Kernel} · load {Format.Number(env.LoadAverage)}");
        }

        if (run is { Available: false })
        {
            lines.Add($"reference: {run.Kind} is missing — {run.Note ?? "it could not run"}.");
        }

        if (summary.HasRatios)
        {
            bool native = summary.Rows.Any(r => r.Baseline is { IsNative: true, Ratio: not null });
            bool bare = summary.Rows.Any(r => r.Baseline is { IsBare: true, Ratio: not null });
            bool raw = summary.Rows.Any(r => r.Baseline is { Kind: ReferenceKind.Raw, Ratio: not null });
            if (native)
            {
                lines.Add("vs native, vs ref: p50 ÷ the native twin's p50 (lower is better); for throughput msg/s ÷ the twin's (higher is better).");
                lines.Add("reference: the native C twin (ipckit-native), run right after each trial; a ratio is the median over the pairs of trials, with its 95% interval.");
            }

            if (bare)
            {
                lines.Add("vs ref of a framework peer (gRPC, StreamJsonRpc, NetMQ): p50 ÷ the p50 of the bare transport it rides on (unix or tcp, same request "
                          + "workload), its trials paired with the peer's in the same rounds: how many times the framework costs over it (lower is better).");
            }

            if (raw)
            {
                lines.Add("vs ref of a typed request over an IpcKit transport: its p50 ÷ the p50 of the same transport's raw round trip (latency workload, "
                          + "smallest size), trials paired by round: what MessagePack encoding and decoding add (lower is better).");
            }
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

/// <summary>
/// The colour and dash pattern of each transport, shared by the terminal and the SVG charts. The transports IpcKit has
/// keep one colour whatever else ran, so a chart reads the same from run to run; the in-process baselines are dashed
/// (set apart as what threads sharing memory pay), native twins dark and dotted. Other names (framework peers) take
/// the next free colour, and a dash pattern once the colours are used up, so no two series look alike.
/// </summary>
internal static class Palette
{
    public const string Native = "#24292f";

    public const string NativeDash = "2,3";

    public const string BaselineDash = "7,4";

    private static readonly Dictionary<string, string> Fixed = new(StringComparer.Ordinal)
    {
        ["pipe"] = "#4269d0", ["anon-pipe"] = "#17becf", ["unix"] = "#efb118", ["tcp"] = "#e8463a", ["mmf"] = "#3ca951",
        ["file"] = "#9c6b4e", ["thread"] = "#a463f2", ["channel"] = "#ff8ab7", ["shared"] = "#7f7f7f",
    };

    /// <summary>The colours by position, for a chart that has no transport name to go by (prefer <see cref="Of"/>).</summary>
    public static readonly string[] Hex = ["#4269d0", "#efb118", "#e8463a", "#17becf", "#3ca951", "#a463f2", "#9c6b4e", "#ff8ab7", "#7f7f7f", "#bcbd22"];

    private static readonly string[] Extra = ["#1f3a93", "#bcbd22", "#8c2d04", "#00876c", "#d45087", "#665191", "#f95d6a", "#2f4b7c"];

    private static readonly string[] ExtraDashes = ["", "10,3", "3,3", "10,3,2,3"];

    /// <summary>The colour (#rrggbb) and dash pattern (null: solid) of <paramref name="transport"/> among <paramref name="all"/>.</summary>
    public static (string Hex, string? Dash) Of(string transport, IReadOnlyList<string> all)
    {
        string name = transport.ToLowerInvariant() switch { "shm" => "mmf", "inproc" => "thread", var n => n };
        string? dash = Verdict.IsInProcess(transport) ? BaselineDash : null;
        if (Fixed.TryGetValue(name, out string? hex))
        {
            return (hex, dash);
        }

        int i = Math.Max(0, all.Where(t => !Fixed.ContainsKey(t)).ToList().IndexOf(transport));
        string extraDash = ExtraDashes[i / Extra.Length % ExtraDashes.Length];
        return (Extra[i % Extra.Length], dash ?? (extraDash.Length > 0 ? extraDash : null));
    }

    public static Color Console(string hex) => new(Convert.ToByte(hex[1..3], 16), Convert.ToByte(hex[3..5], 16), Convert.ToByte(hex[5..7], 16));
}
