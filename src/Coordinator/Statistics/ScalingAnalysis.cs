using IpcKit.Coordinator.Results;

namespace IpcKit.Coordinator.Statistics;

/// <summary>
/// How one transport's aggregate rate changed when its --workers outnumbered the CPUs (issue 15): the rate at the
/// largest N that fits the CPUs against the rate at the largest N run, and what that says, in words.
/// </summary>
/// <param name="Transport">The transport.</param>
/// <param name="Workload">latency or throughput.</param>
/// <param name="Shape">pairs, fan-in or fan-out.</param>
/// <param name="MessageSize">The message size in bytes.</param>
/// <param name="Waits">How the transport waits for data: "spins", "spins, then sleeps" or "blocks".</param>
/// <param name="FitWorkers">The largest N with N ≤ CPUs.</param>
/// <param name="FitRate">The median aggregate rate at <paramref name="FitWorkers"/>.</param>
/// <param name="OverWorkers">The largest N run (more than the CPUs).</param>
/// <param name="OverRate">The median aggregate rate at <paramref name="OverWorkers"/>.</param>
/// <param name="Verdict">collapses (below half), degrades (below 90%) or holds.</param>
/// <param name="Text">The sentence the reports print.</param>
internal sealed record ScalingNote(
    string Transport, string Workload, string Shape, int MessageSize, string Waits, int FitWorkers, double FitRate, int OverWorkers, double OverRate,
    string Verdict, string Text);

/// <summary>
/// Where one transport stopped keeping up under --rate (issue 15): the highest offered rate it sustained and the lowest
/// at which it saturated (achieved less than <see cref="CaseStatistics.SaturationShare"/> of the offered rate).
/// </summary>
/// <param name="Transport">The transport.</param>
/// <param name="MessageSize">The message size in bytes.</param>
/// <param name="SustainedRate">The highest offered rate below the first saturated one, or null when even the lowest saturated.</param>
/// <param name="SaturatedAt">The lowest offered rate at which it saturated, or null when it kept up with every rate offered.</param>
/// <param name="Text">The sentence the reports print.</param>
internal sealed record SaturationNote(string Transport, int MessageSize, double? SustainedRate, double? SaturatedAt, string Text);

/// <summary>Computes the <see cref="ScalingNote"/>s and <see cref="SaturationNote"/>s of a run's results.</summary>
internal static class ScalingAnalysis
{
    public static IReadOnlyList<ScalingNote> Oversubscription(IReadOnlyList<CaseResult> results, int cpus, Func<string, string> waits)
    {
        var notes = new List<ScalingNote>();
        foreach (var g in results.Where(r => r.Workers is not null && !r.Failed && r.MessagesPerSecond > 0)
                     .GroupBy(r => (r.Transport, r.Workload, r.Shape, r.MessageSize)))
        {
            var fit = g.Where(r => r.Workers <= cpus).MaxBy(r => r.Workers);
            var over = g.Where(r => r.Workers > cpus).MaxBy(r => r.Workers);
            if (fit is null || over is null)
            {
                continue;
            }

            double ratio = over.MessagesPerSecond / fit.MessagesPerSecond;
            string verdict = ratio < 0.5 ? "collapses" : ratio < 0.9 ? "degrades" : "holds";
            string how = waits(g.Key.Transport);
            string text = $"{g.Key.Transport} ({how}), {g.Key.Workload} {g.Key.Shape} {Format.Size(g.Key.MessageSize)}: {fit.Workers} workers on {cpus} CPUs "
                + $"{Format.Rate(fit.MessagesPerSecond)} msg/s, {over.Workers} workers {Format.Rate(over.MessagesPerSecond)} msg/s ({Format.Number(ratio, "0.##")}×) — "
                + (verdict, how.StartsWith("spins", StringComparison.Ordinal)) switch
                {
                    ("collapses", true) => "it collapses: once the workers outnumber the CPUs, a spinning waiter burns its time slice while the side it waits for cannot run",
                    ("collapses", false) => "it collapses: time-sharing costs more than the work (context switches and wake-up delays on every message)",
                    ("degrades", true) => "it degrades: its waiters spin before they sleep, and time-sharing makes some of that spinning wasted",
                    ("degrades", false) => "it degrades: time-sharing adds context switches and wake-up delays, but a blocked waiter hands its CPU to the side it waits for",
                    _ => "it holds: the aggregate rate fell by less than 10% (waiters rarely waited, or handed their CPU over when they did)",
                };
            notes.Add(new ScalingNote(g.Key.Transport, g.Key.Workload, g.Key.Shape!, g.Key.MessageSize, how, fit.Workers!.Value, fit.MessagesPerSecond,
                over.Workers!.Value, over.MessagesPerSecond, verdict, text));
        }

        return notes;
    }

    public static IReadOnlyList<SaturationNote> Saturation(IReadOnlyList<CaseResult> results)
    {
        var notes = new List<SaturationNote>();
        foreach (var g in results.Where(r => r.OfferedRate is not null && r.Error is null).GroupBy(r => (r.Transport, r.MessageSize)))
        {
            var ordered = g.OrderBy(r => r.OfferedRate).ToList();
            int first = ordered.FindIndex(r => r.Saturated == true);
            double? sustained = first == 0 ? null : first < 0 ? ordered[^1].OfferedRate : ordered[first - 1].OfferedRate;
            double? saturated = first < 0 ? null : ordered[first].OfferedRate;
            string name = $"{g.Key.Transport} {Format.Size(g.Key.MessageSize)}";
            string text = (sustained, saturated) switch
            {
                (null, { } s) => $"{name} saturated already at the lowest offered rate, {Format.Rate(s)} msg/s (achieved {Format.Rate(ordered[0].MessagesPerSecond)}).",
                ({ } k, null) => $"{name} kept up with every rate offered, up to {Format.Rate(k)} msg/s.",
                ({ } k, { } s) => $"{name} kept up with {Format.Rate(k)} msg/s and saturated at {Format.Rate(s)} msg/s (achieved {Format.Rate(ordered[first].MessagesPerSecond)}).",
                _ => $"{name}: no rate measured.",
            };
            notes.Add(new SaturationNote(g.Key.Transport, g.Key.MessageSize, sustained, saturated, text));
        }

        return notes;
    }
}
