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

    /// <summary>For a --workers case: each connection's times over every trial, merged per connection.</summary>
    public IReadOnlyList<HistogramBase> ConnectionHistograms => _connectionHistograms;

    private readonly List<HistogramBase> _connectionHistograms = [];

    /// <summary>Merges one trial's per-connection histograms into the case's.</summary>
    public void AddConnections(IEnumerable<HistogramBase> trialHistograms)
    {
        int k = 0;
        foreach (var h in trialHistograms)
        {
            if (_connectionHistograms.Count <= k)
            {
                _connectionHistograms.Add(Percentiles.CreateHistogram());
            }

            _connectionHistograms[k++].Add(h);
        }
    }

    public void Add(TrialResult trial, HistogramBase trialHistogram)
    {
        _trials.Add(trial);
        Histogram ??= Percentiles.CreateHistogram();
        Histogram.Add(trialHistogram);
    }

    /// <summary>Pairs the last trial with its native twin's.</summary>
    public void PairLast(NativeTrial twin) => _trials[^1] = _trials[^1] with { Reference = twin };

    /// <summary>Pairs the last trial with a shared-memory floor (the flag ping-pong, the slot) measured after it.</summary>
    public void PairLastFloor(FloorKind kind, NativeTrial floor) => _trials[^1] = kind.Pair(_trials[^1], floor);
}
