using System.Diagnostics;
using IpcKit.Coordinator.Planning;
using IpcKit.Protocol;
using IpcKit.Transports;

namespace IpcKit.Coordinator.Workloads;

/// <summary>
/// Ping-pong: send one message, wait for the worker to echo it, time the round trip. Each reply is checked (sequence
/// number and checksum) after its round trip has been timed, so checking costs the measurement nothing.
/// </summary>
internal sealed class LatencyWorkload : Workload
{
    public override string Name => "latency";

    public override string Description => "ping-pong round trips, each one timed (the worker echoes)";

    public override WorkerRole WorkerRole => WorkerRole.Echo;

    public override bool HasNativeTwin => true;

    public override TrialMeasurement Run(TrialContext context)
    {
        var data = context.Data;
        var message = new byte[context.Size];
        MessageStamp.FillPattern(message, context.Size);
        ulong payloadSum = MessageStamp.PayloadSum(message);
        ulong sequence = 0;
        long corrupted = 0;

        var warmup = SteadyState.Run(context.Budget.WarmupCap, context.WarmupMinimum, target =>
        {
            long n = 0;
            long t0 = Stopwatch.GetTimestamp();
            do
            {
                RoundTrip(data, message, sequence++, payloadSum, ref corrupted);
                n++;
            }
            while (Stopwatch.GetElapsedTime(t0) < target);
            return n;
        });

        corrupted = 0;
        var histogram = context.Histogram;
        var budget = context.Budget;
        context.MeasureStarting();
        long done = 0;
        long start = Stopwatch.GetTimestamp();
        while (budget.More(done, start))
        {
            Record(histogram, ToNs(RoundTrip(data, message, sequence++, payloadSum, ref corrupted)));
            done++;
        }

        double elapsed = Stopwatch.GetElapsedTime(start).TotalSeconds;
        context.MeasureEnded();
        return new TrialMeasurement(done, elapsed, 2L * done * context.Size, done, done, 0, corrupted, warmup);
    }

    private static long RoundTrip(IConnection data, byte[] message, ulong sequence, ulong payloadSum, ref long corrupted)
    {
        MessageStamp.Stamp(message, sequence, sequence == 0 ? MessageStamp.FirstFlag : 0, payloadSum);
        long t0 = Stopwatch.GetTimestamp();
        data.Send((ReadOnlyMemory<byte>)message); // as memory: the in-process `shared` transport hands it over without a copy
        var reply = data.Receive() ?? throw new ConnectionClosedException("The worker closed the connection in the middle of the run.");
        long t1 = Stopwatch.GetTimestamp();
        if (reply.Length != message.Length || !MessageStamp.Verify(reply.Span, out ulong echoed, out _) || echoed != sequence)
        {
            corrupted++;
        }

        return t1 - t0;
    }
}
