using System.Buffers;
using System.Diagnostics;
using IpcKit.Coordinator.Planning;
using IpcKit.Protocol;
using IpcKit.Protocol.Samples;
using IpcKit.Transports;
using IpcKit.Transports.MessagePack;
using MessagePack;

namespace IpcKit.Coordinator.Workloads;

/// <summary>
/// Typed request/reply: send an Order (a dozen fields of mixed types, MessagePack-encoded), the worker decodes it and
/// answers with a typed receipt. Each round trip is timed from before encoding to after decoding the receipt, so the
/// row shows serialization plus transport beside the raw byte ping-pong of the same transport.
/// </summary>
internal sealed class RequestWorkload : Workload
{
    /// <summary>Request cases have no size option; results report 0 ("record").</summary>
    public const int NominalSize = 0;

    private const int Distinct = 64;

    public override string Name => "request";

    public override string Description => "typed request/reply of an Order record: MessagePack encode + transport + decode, both ways";

    public override WorkerRole WorkerRole => WorkerRole.Reply;

    public override bool UsesMessageSize => false;

    public override TrialMeasurement Run(TrialContext context)
    {
        var data = context.Data;
        var budget = context.Budget;
        var options = MessagePackFrames.DefaultOptions;
        var orders = Enumerable.Range(0, Distinct).Select(Order.Sample).ToArray();
        var buffer = new ArrayBufferWriter<byte>(1024);
        long corrupted = 0;
        long bytes = 0;
        long sequence = 0;

        SerializerWarmup.Run(options);
        var warmup = SteadyState.Run(budget.WarmupCap, target =>
        {
            long n = 0;
            long t0 = Stopwatch.GetTimestamp();
            do
            {
                RoundTrip(data, orders, sequence++, buffer, options, ref corrupted, ref bytes);
                n++;
            }
            while (Stopwatch.GetElapsedTime(t0) < target);
            return n;
        });

        corrupted = 0;
        bytes = 0;
        var histogram = context.Histogram;
        context.MeasureStarting();
        long done = 0;
        long start = Stopwatch.GetTimestamp();
        while (budget.More(done, start))
        {
            Record(histogram, ToNs(RoundTrip(data, orders, sequence++, buffer, options, ref corrupted, ref bytes)));
            done++;
        }

        double elapsed = Stopwatch.GetElapsedTime(start).TotalSeconds;
        context.MeasureEnded();
        return new TrialMeasurement(done, elapsed, bytes, done, done, 0, corrupted, warmup);
    }

    private static long RoundTrip(
        IConnection data, Order[] orders, long sequence, ArrayBufferWriter<byte> buffer, MessagePackSerializerOptions options, ref long corrupted, ref long bytes)
    {
        // The sequence number travels as the order id; the receipt must carry it back.
        var order = orders[sequence % Distinct] with { Id = sequence };
        long t0 = Stopwatch.GetTimestamp();
        buffer.ResetWrittenCount();
        MessagePackSerializer.Serialize(buffer, order, options);
        data.Send(buffer.WrittenSpan);
        var reply = data.Receive() ?? throw new ConnectionClosedException("The worker closed the connection in the middle of the run.");
        var receipt = MessagePackFrames.Read<OrderReceipt?>(reply, options);
        long t1 = Stopwatch.GetTimestamp();
        bytes += buffer.WrittenCount + reply.Length;
        if (receipt != OrderReceipt.For(order))
        {
            corrupted++;
        }

        return t1 - t0;
    }
}
