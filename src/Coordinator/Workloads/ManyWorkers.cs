using System.Diagnostics;
using HdrHistogram;
using IpcKit.Coordinator.Planning;
using IpcKit.Protocol;
using IpcKit.Transports;

namespace IpcKit.Coordinator.Workloads;

/// <summary>
/// The coordinator's side of a --workers case (issue 15): N peers at once, each on a connection of its own, in one of
/// three shapes. <see cref="Pairs"/> runs the case's workload on N threads that start and stop measuring together;
/// <see cref="FanOut"/> is one producer thread feeding every connection; <see cref="FanIn"/> is one consumer thread
/// draining every connection. Each connection's times go into its own histogram, merged into the trial's afterwards.
/// </summary>
internal static class ManyWorkers
{
    public static TrialMeasurement Run(PlannedCase c, TrialContext context) => c.Shape switch
    {
        WorkerShape.FanIn => FanIn(context),
        WorkerShape.FanOut => FanOut(context),
        _ => Pairs(c.Workload, context),
    };

    /// <summary>
    /// N independent pairs: the workload runs on a thread per connection. They warm up each on its own, then meet at a
    /// barrier whose last arrival reads the CPU counters, measure, and meet again, so the counters bracket all of them.
    /// </summary>
    private static TrialMeasurement Pairs(Workload workload, TrialContext context)
    {
        int n = context.Connections.Count;
        using var failed = new CancellationTokenSource();
        using var barrier = new Barrier(n, b => (b.CurrentPhaseNumber == 0 ? context.MeasureStarting : context.MeasureEnded)());
        var results = new TrialMeasurement?[n];
        var errors = new Exception?[n];
        var threads = new Thread[n];
        for (int i = 0; i < n; i++)
        {
            int k = i;
            var own = new TrialContext
            {
                Data = context.Connections[k],
                Size = context.Size,
                Budget = context.Budget,
                WarmupMinimum = context.WarmupMinimum,
                Histogram = context.ConnectionHistograms[k],
                MeasureStarting = () => barrier.SignalAndWait(failed.Token),
                MeasureEnded = () => barrier.SignalAndWait(failed.Token),
            };
            threads[k] = new Thread(() =>
            {
                try
                {
                    results[k] = workload.Run(own);
                }
                catch (Exception e)
                {
                    // One pair failing stops the others: they would wait at the barrier, or for a peer that is gone.
                    errors[k] = e;
                    failed.Cancel();
                    foreach (var connection in context.Connections)
                    {
                        connection.Abort();
                    }
                }
            })
            { IsBackground = true, Name = $"ipckit-pair-{k}" };
            threads[k].Start();
        }

        foreach (var thread in threads)
        {
            thread.Join();
        }

        var error = errors.FirstOrDefault(e => e is not null and not OperationCanceledException) ?? errors.FirstOrDefault(e => e is not null);
        if (error is not null)
        {
            throw error is BarrierPostPhaseException { InnerException: { } inner } ? inner : error;
        }

        var all = results.Select(r => r!).ToList();
        return new TrialMeasurement(
            all.Sum(r => r.Operations), all.Max(r => r.ElapsedSeconds), all.Sum(r => r.Bytes), all.Sum(r => r.Sent), all.Sum(r => r.Received),
            all.Sum(r => r.Lost), all.Sum(r => r.Corrupted),
            new WarmupOutcome(all.Max(r => r.Warmup.Seconds), all.All(r => r.Warmup.Settled), all.Sum(r => r.Warmup.Operations)))
        {
            PerConnection = [.. all.Select(r => r.Operations)],
        };
    }

    /// <summary>Messages sent to (or drained from) one connection before moving on to the next: 64 KiB, 1 to 256 messages.</summary>
    private static int Burst(int messageSize) => Math.Clamp(65536 / messageSize, 1, 256);

    /// <summary>
    /// One producer feeds N sinks: bursts of messages to each connection in turn, each burst timed (per message) into
    /// that connection's histogram; the last burst of the budget ends each stream, and every sink's acknowledgement is
    /// awaited before the clock stops. With --iterations each sink gets the same share of the trial's count, as fan-in's
    /// sources do.
    /// </summary>
    private static TrialMeasurement FanOut(TrialContext context)
    {
        var connections = context.Connections;
        var message = new byte[context.Size];
        MessageStamp.FillPattern(message, context.Size);
        ulong payloadSum = MessageStamp.PayloadSum(message);
        var sent = new long[connections.Count];
        var warmup = SteadyState.Run(context.Budget.WarmupCap, context.WarmupMinimum, target =>
            Spread(connections, message, payloadSum, new RunBudget(null, target, TimeSpan.Zero), null, sent, out _));

        context.MeasureStarting();
        long start = Stopwatch.GetTimestamp();
        long total = Spread(connections, message, payloadSum, context.Budget, context.ConnectionHistograms, sent, out var ack);
        double elapsed = Stopwatch.GetElapsedTime(start).TotalSeconds;
        context.MeasureEnded();
        return new TrialMeasurement(total, elapsed, total * context.Size, total, ack.Received, ack.Lost, ack.Corrupted, warmup)
        {
            PerConnection = [.. sent],
        };
    }

    private static long Spread(
        IReadOnlyList<IConnection> connections, byte[] message, ulong payloadSum, RunBudget budget, IReadOnlyList<HistogramBase>? histograms,
        long[] sent, out (long Received, long Lost, long Corrupted) ack)
    {
        int burst = Burst(message.Length);
        long? each = budget.Iterations is { } n ? Math.Max(1, (n + connections.Count - 1) / connections.Count) : null;
        Array.Clear(sent);
        long start = Stopwatch.GetTimestamp();
        long total = 0;
        bool last = false;
        while (!last)
        {
            // Decided once per round, so that every connection's stream ends in the same round (all have sent as many).
            int take = each is { } share ? (int)Math.Min(burst, share - sent[0]) : burst;
            last = each is { } count ? sent[0] + take >= count : !budget.More(total + 1, start);
            for (int k = 0; k < connections.Count; k++)
            {
                long t0 = Stopwatch.GetTimestamp();
                for (int b = 0; b < take; b++)
                {
                    uint flags = (sent[k] == 0 ? MessageStamp.FirstFlag : 0) | (last && b == take - 1 ? MessageStamp.LastFlag : 0);
                    MessageStamp.Stamp(message, (ulong)sent[k], flags, payloadSum);
                    connections[k].Send(message);
                    sent[k]++;
                }

                histograms?[k].RecordValue(Math.Clamp(ToNs(Stopwatch.GetTimestamp() - t0) / take, 1, histograms[k].HighestTrackableValue));
                total += take;
            }
        }

        ack = default;
        foreach (var connection in connections)
        {
            var reply = connection.Receive() ?? throw new ConnectionClosedException("A worker closed the connection before acknowledging the stream.");
            if (!MessageStamp.TryReadAck(reply.Span, out long received, out long corrupted, out long lost))
            {
                throw new ProtocolViolationException($"A worker's acknowledgement is malformed ({reply.Length} bytes).");
            }

            ack = (ack.Received + received, ack.Lost + lost, ack.Corrupted + corrupted);
        }

        return total;
    }

    /// <summary>
    /// N sources, one consumer: each worker is asked for a stream of the same length (sized from the warm-up's rate to
    /// fill the budget), and one thread drains bursts from each connection in turn, checking every message.
    /// </summary>
    private static TrialMeasurement FanIn(TrialContext context)
    {
        var connections = context.Connections;
        var verifiers = connections.Select(_ => new StreamVerifier()).ToArray();
        var request = new byte[Roles.FeedRequestSize];
        double perSecond = 0; // messages per second per connection, as last seen
        var warmup = SteadyState.Run(context.Budget.WarmupCap, context.WarmupMinimum, target =>
        {
            long count = perSecond > 0 ? Math.Max(1, (long)(perSecond * target.TotalSeconds)) : 256;
            long t0 = Stopwatch.GetTimestamp();
            Drain(connections, request, context.Size, count, null, verifiers);
            perSecond = count / Math.Max(1e-6, Stopwatch.GetElapsedTime(t0).TotalSeconds);
            return count * connections.Count;
        });

        long each = context.Budget.Iterations is { } n
            ? Math.Max(1, (n + connections.Count - 1) / connections.Count)
            : Math.Max(1, (long)(perSecond * context.Budget.Duration!.Value.TotalSeconds));
        context.MeasureStarting();
        long start = Stopwatch.GetTimestamp();
        Drain(connections, request, context.Size, each, context.ConnectionHistograms, verifiers);
        double elapsed = Stopwatch.GetElapsedTime(start).TotalSeconds;
        context.MeasureEnded();
        long total = each * connections.Count;
        return new TrialMeasurement(
            total, elapsed, total * context.Size, total, verifiers.Sum(v => v.Received), verifiers.Sum(v => v.Lost), verifiers.Sum(v => v.Corrupted), warmup)
        {
            PerConnection = [.. connections.Select(_ => each)],
        };
    }

    private static void Drain(
        IReadOnlyList<IConnection> connections, byte[] request, int size, long count, IReadOnlyList<HistogramBase>? histograms, StreamVerifier[] verifiers)
    {
        Roles.WriteFeedRequest(request, count, size);
        foreach (var connection in connections)
        {
            connection.Send(request);
        }

        int burst = Burst(size);
        long remaining = count;
        while (remaining > 0)
        {
            int take = (int)Math.Min(burst, remaining);
            for (int k = 0; k < connections.Count; k++)
            {
                long t0 = Stopwatch.GetTimestamp();
                for (int b = 0; b < take; b++)
                {
                    var message = connections[k].Receive() ?? throw new ConnectionClosedException("A worker closed its connection in the middle of its stream.");
                    if (message.Length != size)
                    {
                        throw new ProtocolViolationException($"A worker sent {message.Length} bytes where {size} were asked for.");
                    }

                    verifiers[k].Check(message.Span);
                }

                histograms?[k].RecordValue(Math.Clamp(ToNs(Stopwatch.GetTimestamp() - t0) / take, 1, histograms[k].HighestTrackableValue));
            }

            remaining -= take;
        }
    }

    private static long ToNs(long ticks) => Stopwatch.Frequency == 1_000_000_000 ? ticks : (long)(ticks * (1e9 / Stopwatch.Frequency));
}
