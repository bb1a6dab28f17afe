using IpcKit.Coordinator.Results;
using IpcKit.Coordinator.Running;

namespace IpcKit.Coordinator.Statistics;

/// <summary>Turns the trials of a case into its result: totals, medians with spread and interval, merged percentiles, paired ratios.</summary>
internal static class CaseStatistics
{
    public static CaseResult Summarise(CaseTrials c, string pin)
    {
        var trials = c.Trials;
        var result = OverTrials(new CaseResult
        {
            Transport = c.Case.Scheme,
            Workload = c.Case.Workload.Name,
            MessageSize = c.Case.Size,
            Pin = pin,
            Operations = 0,
            Integrity = new Integrity(0, 0, 0, 0),
            Latency = c.Histogram is { } h ? Percentiles.Of(h) : null,
            Histogram = c.Histogram,
            Error = c.Error,
            Workers = c.Case.Workers,
            Shape = c.Case.Workers is null ? null : Planning.Shapes.Name(c.Case.Shape),
            OfferedRate = c.Case.OfferedRate,
        }, trials, c.Case.Twin);
        return result with
        {
            Connections = c.Case.Workers is null || c.ConnectionHistograms.Count == 0 ? null : [.. c.ConnectionHistograms.Select((h, k) => new ConnectionResult(
                k + 1,
                trials.Sum(t => t.Connections is { } cs && cs.Count > k ? cs[k].Operations : 0),
                Estimates.Median([.. trials.Select(t => t.Connections is { } cs && cs.Count > k ? cs[k].MessagesPerSecond : 0)]),
                Percentiles.Of(h)))],
        };
    }

    /// <summary>
    /// <paramref name="r"/> with every figure that comes from its trials computed from <paramref name="trials"/>: totals,
    /// medians with spread and interval, the twin's and the floors' paired ratios. A run summarises its own trials with
    /// it, and `ipckit compare` the trials of one case pooled from several result files (<see cref="ResultPool"/>), so
    /// that a pooled row's figures are computed exactly as a single run's are.
    /// </summary>
    /// <param name="r">The case: what it is, and the figures that do not come from trials (percentiles, error).</param>
    /// <param name="trials">Its trials.</param>
    /// <param name="twin">The native twin's mechanism, or null when the case has none.</param>
    public static CaseResult OverTrials(CaseResult r, IReadOnlyList<TrialResult> trials, string? twin)
    {
        var p50s = trials.Where(t => t.Latency is not null).Select(t => (double)t.Latency!.P50Ns).ToList();
        var rates = trials.Select(t => t.MessagesPerSecond).Where(v => v > 0).ToList();
        return r with
        {
            Operations = trials.Sum(t => t.Operations),
            ElapsedSeconds = trials.Sum(t => t.ElapsedSeconds),
            P50 = Estimates.Of(p50s),
            Rate = Estimates.Of(rates),
            Codec = Estimates.Of([.. trials.Select(t => t.CodecNs).OfType<double>()]),
            MessagesPerSecond = rates.Count > 0 ? Estimates.Median(rates) : 0,
            BytesPerSecond = trials.Count > 0 ? Estimates.Median([.. trials.Select(t => t.BytesPerSecond)]) : 0,
            Integrity = new Integrity(
                trials.Sum(t => t.Integrity.Sent), trials.Sum(t => t.Integrity.Received), trials.Sum(t => t.Integrity.Lost), trials.Sum(t => t.Integrity.Corrupted)),
            Cpu = trials.Count > 0 && trials.All(t => t.Cpu is not null) ? Sum([.. trials.Select(t => t.Cpu!)]) : null,
            Trials = trials,
            Reference = twin is null ? null : Reference(twin, trials),
            Floor = FloorKind.Flag.Summarise(trials),
            SlotFloor = FloorKind.Slot.Summarise(trials),
            Saturated = r.OfferedRate is { } offered && rates.Count > 0 ? Estimates.Median(rates) < SaturationShare * offered : null,
        };
    }

    /// <summary>
    /// An open-loop case saturated when it achieved less than this share of the rate offered to it: the transport could
    /// not keep up, and its latency then grows with the backlog rather than with the transport's own cost.
    /// </summary>
    public const double SaturationShare = 0.9;

    /// <summary>The ipckit-native mechanism of the shared-memory floor (<see cref="TrialResult.Floor"/>).</summary>
    public const string FloorMechanism = "shm-flag";

    /// <summary>The ipckit-native mechanism of the slot floor (<see cref="TrialResult.SlotFloor"/>): the flag carrying the message's bytes.</summary>
    public const string SlotFloorMechanism = "shm-slot";

    /// <summary>The twin's (or the floor's) figures as medians over its trials, and the per-pair ratios summarised.</summary>
    /// <param name="mechanism">The native mechanism.</param>
    /// <param name="trials">The case's trials.</param>
    /// <param name="select">Which native trial of each to summarise: the twin (the default) or the floor.</param>
    public static NativeFigures? Reference(string mechanism, IReadOnlyList<TrialResult> trials, Func<TrialResult, NativeTrial?>? select = null)
    {
        var paired = trials.Select(select ?? (t => t.Reference)).OfType<NativeTrial>().ToList();
        if (paired.Count == 0)
        {
            return null;
        }

        var ok = paired.Where(p => p.Error is null).ToList();
        if (ok.Count == 0)
        {
            return new NativeFigures { Mechanism = mechanism, Error = paired[0].Error };
        }

        return new NativeFigures
        {
            Mechanism = mechanism,
            Operations = ok.Sum(p => p.Operations),
            P50Ns = (long)Estimates.Median([.. ok.Select(p => (double)p.P50Ns)]),
            P99Ns = (long)Estimates.Median([.. ok.Select(p => (double)p.P99Ns)]),
            MessagesPerSecond = Estimates.Median([.. ok.Select(p => p.MessagesPerSecond)]),
            BytesPerSecond = Estimates.Median([.. ok.Select(p => p.BytesPerSecond)]),
            Ratio = Estimates.Of([.. ok.Select(p => p.Ratio).OfType<double>()]),
        };
    }

    private static CpuUsage Sum(IReadOnlyList<CpuUsage> cpus) => new(
        Sum([.. cpus.Select(c => c.Coordinator)]),
        Sum([.. cpus.Select(c => c.Worker)]));

    private static ProcessCpu Sum(IReadOnlyList<ProcessCpu> p) => new(
        p.Sum(x => x.UserMs), p.Sum(x => x.SystemMs), p.Sum(x => x.VoluntaryContextSwitches), p.Sum(x => x.InvoluntaryContextSwitches));
}
