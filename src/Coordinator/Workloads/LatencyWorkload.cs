using System.Diagnostics;
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

    public override CaseMeasurement Run(IConnection data, int messageSize, RunBudget budget)
    {
        var message = new byte[messageSize];
        MessageStamp.FillPattern(message, messageSize);
        ulong payloadSum = MessageStamp.PayloadSum(message);
        ulong sequence = 0;
        long corrupted = 0;

        long warmupStart = Stopwatch.GetTimestamp();
        long warmupOps = 0;
        while (warmupOps < 10 || Stopwatch.GetElapsedTime(warmupStart) < budget.Warmup)
        {
            RoundTrip(data, message, sequence++, payloadSum, ref corrupted);
            warmupOps++;
        }

        corrupted = 0;
        var samples = new Samples(budget.Iterations);
        long done = 0;
        long start = Stopwatch.GetTimestamp();
        while (budget.More(done, start))
        {
            samples.Add(ToNs(RoundTrip(data, message, sequence++, payloadSum, ref corrupted)));
            done++;
        }

        double elapsed = Stopwatch.GetElapsedTime(start).TotalSeconds;
        return new CaseMeasurement(done, samples.Values, samples.Count, elapsed, 2L * done * messageSize, done, done, 0, corrupted);
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
