using System.Buffers;
using System.Diagnostics;
using IpcKit.Transports.MessagePack;
using MessagePack;

namespace IpcKit.Protocol.Samples;

/// <summary>
/// Runs the <see cref="Order"/> and <see cref="OrderReceipt"/> encodings off the clock until they reach steady state,
/// before the request workload measures them. MessagePack-CSharp emits their formatters at first use, and its code
/// then climbs the JIT's tiers (first tier, instrumented for PGO, optimized) in the background; on a busy machine a
/// case's 200 ms warm-up ended long before that, and the first measured seconds ran unoptimized code (p50 +50% at
/// load 30, against +7–14% with tiering off). So both sides run batches until the fastest batch stops improving.
/// </summary>
public static class SerializerWarmup
{
    private const int BatchSize = 200;

    /// <summary>
    /// Encodes and decodes batches of orders and receipts until the best batch time has not improved by 5% in 8 batches
    /// (steady state), or <paramref name="cap"/> (default 3 s) has passed. Returns how long it took.
    /// </summary>
    public static TimeSpan Run(MessagePackSerializerOptions? options = null, TimeSpan? cap = null)
    {
        options ??= MessagePackFrames.DefaultOptions;
        var buffer = new ArrayBufferWriter<byte>(1024);
        long start = Stopwatch.GetTimestamp();
        long best = long.MaxValue;
        int sinceImproved = 0;
        while (sinceImproved < 8 && Stopwatch.GetElapsedTime(start) < (cap ?? TimeSpan.FromSeconds(3)))
        {
            long t0 = Stopwatch.GetTimestamp();
            for (int i = 0; i < BatchSize; i++)
            {
                buffer.ResetWrittenCount();
                MessagePackSerializer.Serialize(buffer, Order.Sample(i % 64), options);
                Order order = MessagePackFrames.Read<Order>(buffer.WrittenMemory, options);
                buffer.ResetWrittenCount();
                MessagePackSerializer.Serialize(buffer, OrderReceipt.For(order), options);
                _ = MessagePackFrames.Read<OrderReceipt>(buffer.WrittenMemory, options);
            }

            long elapsed = Stopwatch.GetTimestamp() - t0;
            if (elapsed < best * 0.95)
            {
                best = elapsed;
                sinceImproved = 0;
            }
            else
            {
                sinceImproved++;
            }
        }

        return Stopwatch.GetElapsedTime(start);
    }
}
