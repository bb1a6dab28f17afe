using System.Diagnostics;
using IpcKit.Coordinator.Planning;
using IpcKit.Protocol;
using IpcKit.Transports;

namespace IpcKit.Coordinator.Workloads;

/// <summary>
/// A one-way stream: the coordinator sends messages as fast as the transport takes them; the worker checks each one
/// and acknowledges the last. Timed from the first send to the acknowledgement, so nothing still in flight is counted.
/// The latency figures of a throughput case are per-message times within batches of sends (back-pressure shows there).
/// </summary>
internal sealed class ThroughputWorkload : Workload
{
    public override string Name => "throughput";

    public override string Description => "one-way stream, timed from the first send to the worker's acknowledgement of the last";

    public override WorkerRole WorkerRole => WorkerRole.Sink;

    public override bool HasNativeTwin => true;

    /// <summary>
    /// --zero-copy: on a connection that can (<see cref="IZeroCopySender"/>, the ring transports), each message is
    /// written in place: its payload copied from the pattern into the claimed room and its header stamped there, so
    /// every byte is written once. Other connections send as usual.
    /// </summary>
    public bool ZeroCopy { get; init; }

    public override TrialMeasurement Run(TrialContext context)
    {
        var data = context.Data;
        var message = new byte[context.Size];
        MessageStamp.FillPattern(message, context.Size);
        ulong payloadSum = MessageStamp.PayloadSum(message);
        var sender = ZeroCopy ? data as IZeroCopySender : null;

        // Each warm-up batch is a complete stream of its own, acknowledged like the real one.
        var warmup = SteadyState.Run(context.Budget.WarmupCap, context.WarmupMinimum, target =>
            Stream(data, sender, message, payloadSum, new RunBudget(null, target, TimeSpan.Zero), histogram: null, out _));

        context.MeasureStarting();
        long start = Stopwatch.GetTimestamp();
        long sent = Stream(data, sender, message, payloadSum, context.Budget, context.Histogram, out var ack);
        double elapsed = Stopwatch.GetElapsedTime(start).TotalSeconds;
        context.MeasureEnded();
        return new TrialMeasurement(sent, elapsed, sent * context.Size, sent, ack.Received, ack.Lost, ack.Corrupted, warmup);
    }

    private static int BatchSize(int messageSize) => Math.Clamp(65536 / messageSize, 1, 256);

    private static long Stream(IConnection data, IZeroCopySender? sender, byte[] message, ulong payloadSum, RunBudget budget, HdrHistogram.HistogramBase? histogram, out (long Received, long Corrupted, long Lost) ack)
    {
        int batch = BatchSize(message.Length);
        long start = Stopwatch.GetTimestamp();
        long batchStart = start;
        long i = 0;
        bool last;
        do
        {
            // A timed stream reads the clock every 64 messages: once per message would be a measurable share of a
            // 64-byte send on the fastest transports.
            last = budget.Iterations is { } n ? i + 1 >= n : (i & 63) == 63 && !budget.More(i + 1, start);
            uint flags = (i == 0 ? MessageStamp.FirstFlag : 0) | (last ? MessageStamp.LastFlag : 0);
            if (sender is not null)
            {
                SendInPlace(sender, message, (ulong)i, flags, payloadSum);
            }
            else
            {
                MessageStamp.Stamp(message, (ulong)i, flags, payloadSum);
                data.Send(message);
            }

            i++;
            if (histogram is not null && i % batch == 0)
            {
                long now = Stopwatch.GetTimestamp();
                Record(histogram, ToNs(now - batchStart) / batch);
                batchStart = now;
            }
        }
        while (!last);

        var reply = data.Receive() ?? throw new ConnectionClosedException("The worker closed the connection before acknowledging the stream.");
        if (!MessageStamp.TryReadAck(reply.Span, out long received, out long corrupted, out long lost))
        {
            throw new ProtocolViolationException($"The worker's acknowledgement is malformed ({reply.Length} bytes).");
        }

        ack = (received, corrupted, lost);
        return i;
    }

    /// <summary>Writes one message into the ring itself: the payload from the pattern, the header stamped in place.</summary>
    private static void SendInPlace(IZeroCopySender sender, byte[] pattern, ulong sequence, uint flags, ulong payloadSum)
    {
        using var claim = sender.Claim(pattern.Length);
        var span = claim.Span;
        pattern.AsSpan(MessageStamp.HeaderSize).CopyTo(span[MessageStamp.HeaderSize..]);
        MessageStamp.Stamp(span, sequence, flags, payloadSum);
        claim.Commit();
    }
}
