using System.Diagnostics;
using IpcKit.Protocol;
using IpcKit.Transports;

namespace IpcKit.Coordinator.Workloads;

/// <summary>How long a case runs: a number of operations, or a time; and how long it warms up first.</summary>
internal sealed record RunBudget(long? Iterations, TimeSpan? Duration, TimeSpan Warmup)
{
    /// <summary>True while more operations are due, given how many were done and when measuring started.</summary>
    public bool More(long done, long startTimestamp) =>
        Iterations is { } n ? done < n : Stopwatch.GetElapsedTime(startTimestamp) < Duration!.Value;
}

/// <summary>The raw outcome of one case, before statistics.</summary>
internal sealed record CaseMeasurement(
    long Operations, long[] SamplesNs, int SampleCount, double ElapsedSeconds, long Bytes,
    long Sent, long Received, long Lost, long Corrupted);

/// <summary>A way of driving a connection: the coordinator's side of it runs here, the worker's side is its role.</summary>
internal abstract class Workload
{
    public static readonly IReadOnlyList<Workload> All = [new LatencyWorkload(), new ThroughputWorkload(), new RequestWorkload()];

    /// <summary>The name on the command line and in results.</summary>
    public abstract string Name { get; }

    /// <summary>One line for help and `ipckit list`.</summary>
    public abstract string Description { get; }

    /// <summary>What the worker does meanwhile.</summary>
    public abstract WorkerRole WorkerRole { get; }

    /// <summary>Whether message size applies (the request workload sends a fixed record).</summary>
    public virtual bool UsesMessageSize => true;

    /// <summary>Runs one case on the calling (pinned) thread with the blocking API.</summary>
    public abstract CaseMeasurement Run(IConnection data, int messageSize, RunBudget budget);

    protected static long ToNs(long ticks) => Stopwatch.Frequency == 1_000_000_000 ? ticks : (long)(ticks * (1e9 / Stopwatch.Frequency));

    /// <summary>A growing sample store: preallocated for a fixed count, doubling for a timed run.</summary>
    protected sealed class Samples(long? expected)
    {
        private long[] _values = new long[(int)Math.Clamp(expected ?? 1 << 16, 16, 1 << 26)];

        public int Count { get; private set; }

        public long[] Values => _values;

        public void Add(long ns)
        {
            if (Count == _values.Length)
            {
                if (Count >= 1 << 27)
                {
                    return; // 128 M samples is plenty; keep memory bounded on very long runs
                }

                Array.Resize(ref _values, _values.Length * 2);
            }

            _values[Count++] = ns;
        }
    }
}
