using System.Globalization;
using IpcKit.Coordinator.Results;

namespace IpcKit.Coordinator.Statistics;

/// <summary>One result file read for a comparison: the name it is called by in notes and errors, and its contents.</summary>
internal sealed record ResultFile(string Name, BenchReport Report);

/// <summary>One side of a comparison: the files it was read from, and their results pooled into one report.</summary>
/// <param name="Report">
/// The pooled results. Made for comparing only: a pooled row has no latency histogram and no per-connection figures.
/// </param>
/// <param name="Files">The files' names, in the order given.</param>
/// <param name="Notes">What the reader must know about the pooling: settings the files disagree on, rows some files lack.</param>
internal sealed record PooledSide(BenchReport Report, IReadOnlyList<string> Files, IReadOnlyList<string> Notes);

/// <summary>
/// Pools several result files into one side of a comparison (`ipckit compare a.json,b.json c.json,d.json`). On a shared
/// machine one run's trials share its minutes: a busy minute can shift every trial of one run at once, which no test over
/// them can tell from a change in the code. Runs made at different times (the rounds of an A/B gate, base and head
/// alternating) each bring their own minutes, so their trials pooled show the code more than any one minute.
/// <para>
/// Rows of the same case (transport, workload, message size, and with --workers or --rate the worker count, shape and
/// offered rate) pool their trials, and every figure of the row is computed from the pooled trials by the code that
/// computes a single run's (<see cref="CaseStatistics.OverTrials"/>, <see cref="BareRatios"/>). A row some files lack
/// is pooled from the files that have it. Files of different schema versions or placements (--pin) are refused:
/// their figures do not measure the same thing.
/// </para>
/// </summary>
internal static class ResultPool
{
    /// <summary>Pools <paramref name="files"/> (one or more) into one side; one file is returned as it is.</summary>
    /// <param name="side">"baseline" or "current", for notes and errors.</param>
    /// <param name="files">The side's files, in the order given.</param>
    /// <param name="carrierOf">The bare transport a framework peer rides on, or null for a name that is no peer's.</param>
    /// <exception cref="InvalidDataException">The files cannot be pooled; the message says why and what to do.</exception>
    public static PooledSide Pool(string side, IReadOnlyList<ResultFile> files, Func<string, string?> carrierOf)
    {
        ArgumentNullException.ThrowIfNull(files);
        ArgumentNullException.ThrowIfNull(carrierOf);
        if (files.Count == 0)
        {
            throw new InvalidDataException($"No {side} file was given.");
        }

        var names = files.Select(f => f.Name).ToList();
        if (files.Count == 1)
        {
            return new PooledSide(files[0].Report, names, []);
        }

        Refuse(side, files, "schemaVersion", f => f.SchemaVersion.ToString(CultureInfo.InvariantCulture),
            "a file of another format is read differently; pool only files made by the same ipckit");
        Refuse(side, files, "--pin", f => f.Settings.Pin,
            "the placement of the threads changes every figure (README, \"Pinning matters\"); pool only runs of one placement");
        if (files[0].Report.SchemaVersion < 2)
        {
            throw new InvalidDataException(
                $"The {side} files are of schema version {files[0].Report.SchemaVersion}, which keeps no trials: there is nothing to pool. Compare them one at a time, or re-run them.");
        }

        // Trial numbers stay unique across the pooled files (file 2's trial 1 follows file 1's last), so that trials of
        // the same round still pair by number (BareRatios pairs a peer's trial with its bare transport's of that round).
        var parts = new Dictionary<CaseKey, List<(CaseResult Result, int Offset, string File)>>();
        var order = new List<CaseKey>();
        int offset = 0;
        foreach (var file in files)
        {
            foreach (var r in file.Report.Results)
            {
                var key = CaseKey.Of(r);
                if (!parts.TryGetValue(key, out var list))
                {
                    parts[key] = list = [];
                    order.Add(key);
                }

                list.Add((r, offset, file.Name));
            }

            offset += Math.Max(file.Report.Settings.Trials, file.Report.Results.SelectMany(r => r.Trials).Select(t => t.Trial).DefaultIfEmpty(0).Max());
        }

        var pooled = order.Select(key => Merge(parts[key])).ToList();
        var report = files[0].Report with
        {
            Results = BareRatios.AddTo(pooled, carrierOf),
            Settings = files[0].Report.Settings with { Trials = files.Sum(f => f.Report.Settings.Trials) },
        };
        var notes = Disagreements(side, files).ToList();
        var partial = order.Where(key => parts[key].Count < files.Count).ToList();
        if (partial.Count > 0)
        {
            notes.Add($"{Capitalised(side)}: " + string.Join("; ", partial.Select(key =>
                $"{key.Label} is in {parts[key].Count} of {files.Count} files ({string.Join(", ", parts[key].Select(p => p.File))})"))
                + "; each is pooled from the files that have it.");
        }

        return new PooledSide(report, names, notes);
    }

    /// <summary>One case's rows from several files as one row, its figures computed from all their trials.</summary>
    private static CaseResult Merge(List<(CaseResult Result, int Offset, string File)> parts)
    {
        var trials = parts.SelectMany(p => p.Result.Trials.Select(t => t with { Trial = t.Trial + p.Offset })).ToList();
        string? twin = parts.Select(p => p.Result.Reference?.Mechanism).FirstOrDefault(m => m is not null);
        var shape = parts[0].Result with
        {
            Latency = Latency([.. parts.Select(p => p.Result.Latency).OfType<LatencyStats>()]),
            Histogram = null,
            Connections = null,
            Bare = null,
            Raw = null,
            // A case that failed in any run of a side failed on that side: a transport that fails one run in two is broken.
            Error = parts.Where(p => p.Result.Error is not null).Select(p => $"{p.File}: {p.Result.Error}").FirstOrDefault(),
        };
        return CaseStatistics.OverTrials(shape, trials, twin) with
        {
            // The cases' own counts, not their trials': a case that failed mid-trial counts what that trial lost too.
            Integrity = new Integrity(
                parts.Sum(p => p.Result.Integrity.Sent), parts.Sum(p => p.Result.Integrity.Received),
                parts.Sum(p => p.Result.Integrity.Lost), parts.Sum(p => p.Result.Integrity.Corrupted)),
        };
    }

    /// <summary>
    /// The percentiles of a case pooled from several files: each the median of the files' own (a file keeps its merged
    /// percentiles, not the histogram they came from, so the histograms cannot be merged again); the count, minimum,
    /// maximum and mean over all of them.
    /// </summary>
    private static LatencyStats? Latency(IReadOnlyList<LatencyStats> all)
    {
        if (all.Count == 0)
        {
            return null;
        }

        long Median(Func<LatencyStats, double> figure) => (long)Math.Round(Estimates.Median([.. all.Select(figure)]));
        long samples = all.Sum(l => l.Samples);
        var p9999 = all.Where(l => l.P9999Ns is not null).Select(l => (double)l.P9999Ns!.Value).ToList();
        return new LatencyStats(
            Median(l => l.P50Ns), Median(l => l.P90Ns), Median(l => l.P99Ns), Median(l => l.P999Ns),
            all.Max(l => l.MaxNs),
            samples > 0 ? all.Sum(l => l.MeanNs * l.Samples) / samples : Estimates.Median([.. all.Select(l => l.MeanNs)]),
            all.Min(l => l.MinNs),
            samples)
        {
            P9999Ns = p9999.Count == all.Count ? (long)Math.Round(Estimates.Median(p9999)) : null,
        };
    }

    private static void Refuse(string side, IReadOnlyList<ResultFile> files, string what, Func<BenchReport, string> value, string why)
    {
        if (files.Select(f => value(f.Report)).Distinct().Count() > 1)
        {
            throw new InvalidDataException(
                $"The {side} files differ in {what} ({string.Join(", ", files.Select(f => $"{f.Name}: {value(f.Report)}"))}): {why}.");
        }
    }

    /// <summary>Settings that change figures, on which the files of a side disagree: pooled all the same, and said.</summary>
    private static IEnumerable<string> Disagreements(string side, IReadOnlyList<ResultFile> files)
    {
        var settings = new (string Name, Func<BenchReport, string> Value)[]
        {
            ("--quick", r => r.Settings.Quick ? "yes" : "no"),
            ("--duration", r => Text(r.Settings.DurationSeconds)),
            ("--iterations", r => Text(r.Settings.Iterations)),
            ("--warmup", r => Text(r.Settings.WarmupSeconds)),
            ("--trials", r => Text(r.Settings.Trials)),
            ("--cpus", r => string.Join(" ", r.Settings.Cpus)),
            ("--wait", r => r.Settings.Wait ?? "default"),
            ("ring capacity", r => Text(r.Settings.RingCapacity)),
            ("--zero-copy", r => r.Settings.ZeroCopy ? "yes" : "no"),
            ("--reference", r => r.Settings.Reference),
            ("--shape", r => r.Settings.Shape ?? "-"),
            ("CPU", r => r.Environment.CpuModel),
            ("ipckit version", r => r.Environment.IpcKitVersion),
        };
        foreach (var (name, value) in settings)
        {
            var values = files.Select(f => (f.Name, Value: value(f.Report))).ToList();
            if (values.Select(v => v.Value).Distinct().Count() > 1)
            {
                yield return $"{Capitalised(side)} files differ in {name} ({string.Join(", ", values.Select(v => $"{v.Name}: {v.Value}"))}); their trials are pooled all the same.";
            }
        }
    }

    private static string Text(double? value) => value is { } v ? v.ToString("R", CultureInfo.InvariantCulture) : "-";

    private static string Capitalised(string side) => side.Length == 0 ? side : char.ToUpperInvariant(side[0]) + side[1..];
}

/// <summary>
/// What makes two results the same case, for pooling and comparing: transport, workload, message size, and with
/// --workers or --rate the worker count, shape and offered rate (one size of a --workers run has a row per count).
/// </summary>
internal readonly record struct CaseKey(string Transport, string Workload, int MessageSize, int? Workers, string? Shape, double? OfferedRate)
{
    public static CaseKey Of(CaseResult r) => new(r.Transport, r.Workload, r.MessageSize, r.Workers, r.Shape, r.OfferedRate);

    /// <summary>"unix latency 64 B", "unix latency 64 B fan-in ×4", "unix latency 64 B at 10.0 k/s": as verdicts name a row.</summary>
    public string Label => $"{Transport} {Workload} {Format.Size(MessageSize)}" + Suffix(Workers, Shape, OfferedRate);

    /// <summary>" fan-in ×4" or " at 10.0 k/s" after a row's size, as the result tables show them; "" for other rows.</summary>
    public static string Suffix(int? workers, string? shape, double? offeredRate) =>
        offeredRate is { } rate ? $" at {Format.Rate(rate)}/s" : workers is { } n ? $" {shape} ×{n}" : "";
}
