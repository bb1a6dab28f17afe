using System.Diagnostics;
using IpcKit.Coordinator.Planning;
using IpcKit.Protocol;
using IpcKit.Transports;

namespace IpcKit.Coordinator.Workloads;

/// <summary>
/// Open-loop latency at an offered rate (--rate, issue 15): the measuring thread sends message i when it is due, at
/// start + i / rate, whether or not earlier replies are back; a receiver thread takes the worker's echoes and charges
/// each one from the time its message was due, not from when it was sent. A stall of the sender (or of the transport
/// behind it) is thus charged to every message it delayed — the coordinated-omission correction wrk2 made known. A
/// sender that falls behind sends what is overdue at once, and stops at the end of the trial's time, so a rate beyond
/// what the transport sustains shows as an achieved rate below the offered one and a latency that grows with the backlog.
/// </summary>
internal static class OpenLoop
{
    public static TrialMeasurement Run(double rate, TrialContext context)
    {
        var data = context.Data;
        var message = new byte[context.Size];
        MessageStamp.FillPattern(message, context.Size);
        ulong payloadSum = MessageStamp.PayloadSum(message);

        var warmup = SteadyState.Run(context.Budget.WarmupCap, context.WarmupMinimum, target =>
            Stream(data, message, payloadSum, rate, new RunBudget(null, target, TimeSpan.Zero), null).Received);

        context.MeasureStarting();
        var r = Stream(data, message, payloadSum, rate, context.Budget, context.Histogram);
        context.MeasureEnded();
        return new TrialMeasurement(r.Received, r.Seconds, 2 * r.Received * context.Size, r.Sent, r.Received, r.Lost, r.Corrupted, warmup);
    }

    private readonly record struct Outcome(long Sent, long Received, long Lost, long Corrupted, double Seconds);

    private static Outcome Stream(IConnection data, byte[] message, ulong payloadSum, double rate, RunBudget budget, HdrHistogram.HistogramBase? histogram)
    {
        double interval = Stopwatch.Frequency / rate; // ticks between due times
        long count = budget.Iterations ?? Math.Max(1, (long)(rate * budget.Duration!.Value.TotalSeconds));
        long start = Stopwatch.GetTimestamp() + Stopwatch.Frequency / 1000; // 1 ms ahead, so the receiver is waiting
        long stopSending = start + (long)(count * interval);
        Outcome received = default;
        Exception? receiverError = null;
        var receiver = new Thread(() =>
        {
            try
            {
                received = Receive(data, message.Length, start, interval, histogram);
            }
            catch (Exception e)
            {
                receiverError = e;
                data.Abort(); // unblocks a sender stuck on a full transport
            }
        })
        { IsBackground = true, Name = "ipckit-open-loop-receiver" };
        receiver.Start();

        long sent = 0;
        try
        {
            for (long i = 0; i < count; i++)
            {
                long due = start + (long)(i * interval);
                WaitUntil(due);
                // Behind schedule at the end of the trial's time: this one is the last; the backlog is not sent.
                bool last = i == count - 1 || (i > 0 && Stopwatch.GetTimestamp() >= stopSending);
                MessageStamp.Stamp(message, (ulong)i, (i == 0 ? MessageStamp.FirstFlag : 0) | (last ? MessageStamp.LastFlag : 0), payloadSum);
                data.Send(message.AsSpan()); // a copy: the buffer is restamped before the echo is back
                sent++;
                if (last)
                {
                    break;
                }
            }
        }
        catch (IpcException) when (receiverError is not null)
        {
        }

        receiver.Join();
        if (receiverError is not null)
        {
            throw receiverError;
        }

        return received with { Sent = sent, Lost = received.Lost + Math.Max(0, sent - received.Received - received.Lost) };
    }

    /// <summary>Takes echoes until the one flagged last; each one's latency counts from its due time.</summary>
    private static Outcome Receive(IConnection data, int size, long start, double interval, HdrHistogram.HistogramBase? histogram)
    {
        long received = 0, lost = 0, corrupted = 0;
        ulong expected = 0;
        long now;
        while (true)
        {
            var reply = data.Receive() ?? throw new ConnectionClosedException("The worker closed the connection in the middle of the run.");
            now = Stopwatch.GetTimestamp();
            received++;
            if (reply.Length != size || !MessageStamp.Verify(reply.Span, out ulong sequence, out uint flags))
            {
                corrupted++;
                expected++;
                continue; // its due time cannot be trusted; a corrupted last message would end in a timeout, as it should
            }

            if (sequence > expected)
            {
                lost += (long)(sequence - expected);
            }
            else if (sequence < expected)
            {
                corrupted++;
            }

            expected = sequence + 1;
            if (histogram is not null)
            {
                long late = now - (start + (long)(sequence * interval));
                histogram.RecordValue(Math.Clamp(ToNs(late), 1, histogram.HighestTrackableValue));
            }

            if ((flags & MessageStamp.LastFlag) != 0)
            {
                break;
            }
        }

        return new Outcome(0, received, lost, corrupted, Stopwatch.GetElapsedTime(start, now).TotalSeconds);
    }

    /// <summary>
    /// Waits for a due time: sleeps while it is more than 2 ms away, yields while more than 50 µs away, then spins, so
    /// that low rates leave the CPUs to the transport and high ones are still sent on time.
    /// </summary>
    private static void WaitUntil(long due)
    {
        long sleepAbove = Stopwatch.Frequency / 500, yieldAbove = Stopwatch.Frequency / 20_000;
        long remaining;
        while ((remaining = due - Stopwatch.GetTimestamp()) > 0)
        {
            if (remaining > sleepAbove)
            {
                Thread.Sleep(1);
            }
            else if (remaining > yieldAbove)
            {
                Thread.Yield();
            }
            else
            {
                Thread.SpinWait(20);
            }
        }
    }

    private static long ToNs(long ticks) => Stopwatch.Frequency == 1_000_000_000 ? ticks : (long)(ticks * (1e9 / Stopwatch.Frequency));
}
