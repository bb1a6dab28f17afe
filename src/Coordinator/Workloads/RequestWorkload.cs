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
        var options = MessagePackFrames.DefaultOptions;
        if (context.Peer is { } peer)
        {
            // A framework peer: its own client encodes (with the same MessagePack options), calls and decodes. Bytes
            // are not counted: the framework's envelope is its own business.
            return Measure(context, options, order => (peer.Place(order), 0));
        }

        var data = context.Data;
        var buffer = new ArrayBufferWriter<byte>(1024);
        return Measure(context, options, order =>
        {
            buffer.ResetWrittenCount();
            MessagePackSerializer.Serialize(buffer, order, options);
            data.Send(buffer.WrittenSpan);
            var reply = data.Receive() ?? throw new ConnectionClosedException("The worker closed the connection in the middle of the run.");
            return (MessagePackFrames.Read<OrderReceipt?>(reply, options), buffer.WrittenCount + reply.Length);
        });
    }

    /// <summary>
    /// Warms the serializers and then the round trip up to steady state, then times <paramref name="roundTrip"/> on each
    /// order until the budget is spent: the same orders, the same timing and the same check of every receipt over a
    /// connection or through a framework peer.
    /// </summary>
    /// <param name="roundTrip">Places an order; returns the receipt and the payload bytes moved both ways.</param>
    private static TrialMeasurement Measure(TrialContext context, MessagePackSerializerOptions options, Func<Order, (OrderReceipt? Receipt, int Bytes)> roundTrip)
    {
        var budget = context.Budget;
        var orders = Enumerable.Range(0, Distinct).Select(Order.Sample).ToArray();
        long corrupted = 0;
        long bytes = 0;
        long sequence = 0;

        SerializerWarmup.Run(options);
        var warmup = SteadyState.Run(budget.WarmupCap, context.WarmupMinimum, target =>
        {
            long n = 0;
            long t0 = Stopwatch.GetTimestamp();
            do
            {
                RoundTrip(roundTrip, orders, sequence++, ref corrupted, ref bytes);
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
            Record(histogram, ToNs(RoundTrip(roundTrip, orders, sequence++, ref corrupted, ref bytes)));
            done++;
        }

        double elapsed = Stopwatch.GetElapsedTime(start).TotalSeconds;
        context.MeasureEnded();
        return new TrialMeasurement(done, elapsed, bytes, done, done, 0, corrupted, warmup) { CodecNs = CodecAlone(orders, options) };
    }

    /// <summary>Round trips of the codec alone, timed one by one after each trial; its p50 is what MessagePack costs here.</summary>
    public const int CodecRounds = 2_000;

    /// <summary>
    /// The p50 of the request's encodes and decodes with no transport: encode the order (the coordinator's side), decode
    /// it, encode its receipt (the worker's side), decode the receipt, all on this thread. Beside the request's own p50
    /// and the transport's raw round trip it splits a typed call into its serialization and its transport, which the
    /// ratio "typed against raw" cannot: over shared memory the codec is most of the call.
    /// </summary>
    internal static double CodecAlone(Order[] orders, MessagePackSerializerOptions options)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        var times = new long[CodecRounds];
        for (int i = 0; i < times.Length; i++)
        {
            var order = orders[i % orders.Length];
            long t0 = Stopwatch.GetTimestamp();
            buffer.ResetWrittenCount();
            MessagePackSerializer.Serialize(buffer, order, options);
            var decoded = MessagePackFrames.Read<Order>(buffer.WrittenMemory, options);
            buffer.ResetWrittenCount();
            MessagePackSerializer.Serialize(buffer, OrderReceipt.For(decoded), options);
            var receipt = MessagePackFrames.Read<OrderReceipt>(buffer.WrittenMemory, options);
            times[i] = Stopwatch.GetTimestamp() - t0;
            if (receipt.OrderId != order.Id)
            {
                throw new InvalidOperationException($"MessagePack round trip of order {order.Id} gave receipt {receipt.OrderId}.");
            }
        }

        Array.Sort(times);
        return ToNs(times[times.Length / 2]);
    }

    private static long RoundTrip(
        Func<Order, (OrderReceipt? Receipt, int Bytes)> roundTrip, Order[] orders, long sequence, ref long corrupted, ref long bytes)
    {
        // The sequence number travels as the order id; the receipt must carry it back.
        var order = orders[sequence % Distinct] with { Id = sequence };
        long t0 = Stopwatch.GetTimestamp();
        var (receipt, moved) = roundTrip(order);
        long t1 = Stopwatch.GetTimestamp();
        bytes += moved;
        if (receipt != OrderReceipt.For(order))
        {
            corrupted++;
        }

        return t1 - t0;
    }
}
