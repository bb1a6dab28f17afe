using System.Diagnostics;
using HdrHistogram;
using IpcKit.Coordinator.Planning;
using IpcKit.Peers;
using IpcKit.Protocol;
using IpcKit.Transports;

namespace IpcKit.Coordinator.Workloads;

/// <summary>
/// What one trial runs with: the connection, the message size, its share of the budget, the histogram its operation
/// times go into (reset, allocated beforehand: recording allocates nothing), and the hooks the runner reads CPU counters
/// in, called on the measuring thread just before and just after the timed part — never inside it.
/// </summary>
internal sealed class TrialContext
{
    public required IConnection Data { get; init; }

    /// <summary>
    /// A framework peer's client (grpc-uds, jsonrpc-uds…), which the request workload calls instead of framing messages
    /// on <see cref="Data"/>; null for an IpcKit transport.
    /// </summary>
    public IOrderClient? Peer { get; init; }

    public required int Size { get; init; }

    public required RunBudget Budget { get; init; }

    /// <summary>
    /// The least time the warm-up runs (<see cref="SteadyState.Run"/>): <see cref="SteadyState.Minimum"/>, or
    /// <see cref="SteadyState.FreshPeerMinimum"/> for the first case on a peer started for this trial.
    /// </summary>
    public TimeSpan WarmupMinimum { get; init; } = SteadyState.Minimum;

    public required HistogramBase Histogram { get; init; }

    /// <summary>
    /// Every connection of a --workers case, one per peer (<see cref="Data"/> is the first); each has its own histogram
    /// in <see cref="ConnectionHistograms"/> (reset, allocated beforehand), merged into <see cref="Histogram"/> afterwards.
    /// </summary>
    public IReadOnlyList<IConnection> Connections { get; init; } = [];

    /// <summary>One histogram per connection of <see cref="Connections"/>.</summary>
    public IReadOnlyList<HistogramBase> ConnectionHistograms { get; init; } = [];

    /// <summary>Called after the warm-up, right before the first timed operation.</summary>
    public Action MeasureStarting { get; init; } = () => { };

    /// <summary>Called right after the last timed operation (for a stream: after the worker's acknowledgement).</summary>
    public Action MeasureEnded { get; init; } = () => { };
}

/// <summary>How the warm-up of one trial went: how long it ran, and whether the rate settled before the cap.</summary>
internal sealed record WarmupOutcome(double Seconds, bool Settled, long Operations);

/// <summary>The raw outcome of one trial, before statistics; the operation times are in the context's histogram.</summary>
internal sealed record TrialMeasurement(
    long Operations, double ElapsedSeconds, long Bytes, long Sent, long Received, long Lost, long Corrupted, WarmupOutcome Warmup)
{
    /// <summary>For a --workers case: the operations each connection carried (in the order of the context's connections).</summary>
    public IReadOnlyList<long>? PerConnection { get; init; }

    /// <summary>For a request case: the p50 of the same encodes and decodes on one thread with no transport, in ns.</summary>
    public double? CodecNs { get; init; }
}

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

    /// <summary>Whether ipckit-native measures the same workload (latency and throughput do; request does not).</summary>
    public virtual bool HasNativeTwin => false;

    /// <summary>Runs one trial on the calling (pinned) thread with the blocking API: warm-up to steady state, then measure.</summary>
    public abstract TrialMeasurement Run(TrialContext context);

    protected static long ToNs(long ticks) => Stopwatch.Frequency == 1_000_000_000 ? ticks : (long)(ticks * (1e9 / Stopwatch.Frequency));

    /// <summary>Records one time, clamped into the histogram's range (a value above it would throw).</summary>
    protected static void Record(HistogramBase histogram, long ns) =>
        histogram.RecordValue(Math.Clamp(ns, 1, histogram.HighestTrackableValue));
}

/// <summary>
/// Warm-up until steady state: batches of operations (<see cref="Batch"/> each) run until the operation rate stops
/// rising — the median rate of the last <see cref="Window"/> batches is no more than <see cref="Tolerance"/> above
/// that of the <see cref="Window"/> before (the JIT has tiered up, caches are warm) — or the cap is reached. Noise on a
/// busy machine moves the rate both ways and does not hold the warm-up back; a warm-up still speeding up does. At least
/// <see cref="Minimum"/> is spent, so that a flat stretch before the JIT recompiles the hot methods (its call-counting
/// delay is 100 ms) is not taken for the steady state. The first case on a peer that was just started spends at least
/// <see cref="FreshPeerMinimum"/>: its code has not run at all yet, in the peer and, for a transport's first case, here,
/// and its rate can sit still at half speed well past 150 ms before the JIT's tiers catch up.
/// </summary>
internal static class SteadyState
{
    public const double Tolerance = 0.05;

    public const int Window = 3;

    public static readonly TimeSpan Batch = TimeSpan.FromMilliseconds(20);

    public static readonly TimeSpan Minimum = TimeSpan.FromMilliseconds(150);

    /// <summary>
    /// The least warm-up of the first case on a freshly started peer. With 150 ms, the first trial of mmf and thread
    /// round trips at --pin split measured a p50 of 270–450 ns (thread up to 1.8 ms) against 160–200 ns in the trials
    /// after it, in every one of six runs; with 500 ms the first trial was like the rest.
    /// </summary>
    public static readonly TimeSpan FreshPeerMinimum = TimeSpan.FromMilliseconds(500);

    /// <summary>Runs <paramref name="batch"/> (which runs for about the given time and returns its operations) until settled.</summary>
    public static WarmupOutcome Run(TimeSpan cap, TimeSpan minimum, Func<TimeSpan, long> batch)
    {
        if (cap <= TimeSpan.Zero)
        {
            return new WarmupOutcome(0, false, 0); // --warmup 0: none
        }

        long start = Stopwatch.GetTimestamp();
        Span<double> rates = stackalloc double[2 * Window];
        int batches = 0;
        long operations = 0;
        while (true)
        {
            long t0 = Stopwatch.GetTimestamp();
            long n = batch(Batch);
            double seconds = Stopwatch.GetElapsedTime(t0).TotalSeconds;
            operations += n;
            rates[batches++ % rates.Length] = seconds > 0 ? n / seconds : 0;
            var elapsed = Stopwatch.GetElapsedTime(start);
            if (batches >= rates.Length && elapsed >= minimum && StoppedRising(rates, batches))
            {
                return new WarmupOutcome(elapsed.TotalSeconds, true, operations);
            }

            if (elapsed >= cap)
            {
                return new WarmupOutcome(elapsed.TotalSeconds, false, operations);
            }
        }
    }

    /// <summary>
    /// True when the median of the latest <see cref="Window"/> rates is at most <see cref="Tolerance"/> above the median
    /// of the <see cref="Window"/> before them. <paramref name="ring"/> holds the last 2 × Window rates, the newest at
    /// position (<paramref name="count"/> − 1) mod its length.
    /// </summary>
    public static bool StoppedRising(ReadOnlySpan<double> ring, int count)
    {
        Span<double> earlier = stackalloc double[Window];
        Span<double> latest = stackalloc double[Window];
        for (int i = 0; i < Window; i++)
        {
            latest[i] = ring[(count - 1 - i) % ring.Length];
            earlier[i] = ring[(count - 1 - Window - i) % ring.Length];
        }

        earlier.Sort();
        latest.Sort();
        return earlier[Window / 2] > 0 && latest[Window / 2] <= (1 + Tolerance) * earlier[Window / 2];
    }
}
