using HdrHistogram;
using IpcKit.Coordinator.Planning;
using IpcKit.Coordinator.Results;
using IpcKit.Coordinator.Statistics;

namespace IpcKit.Coordinator.Running;

/// <summary>What the runner has measured of one case so far: its trials, their histograms merged, and its failure.</summary>
internal sealed class CaseTrials(PlannedCase plannedCase)
{
    private readonly List<TrialResult> _trials = [];

    public PlannedCase Case { get; } = plannedCase;

    public IReadOnlyList<TrialResult> Trials => _trials;

    /// <summary>Every trial's operation times (allocated on the first trial, between trials, never while measuring).</summary>
    public HistogramBase? Histogram { get; private set; }

    /// <summary>Why the case failed (its later trials are skipped), or null.</summary>
    public string? Error { get; set; }

    public void Add(TrialResult trial, HistogramBase trialHistogram)
    {
        _trials.Add(trial);
        Histogram ??= Percentiles.CreateHistogram();
        Histogram.Add(trialHistogram);
    }

    /// <summary>Pairs the last trial with its native twin's.</summary>
    public void PairLast(NativeTrial twin) => _trials[^1] = _trials[^1] with { Reference = twin };
}
