using System.Buffers;
using System.Diagnostics;
using System.Runtime;
using IpcKit.Transports.MessagePack;
using MessagePack;

namespace IpcKit.Protocol.Samples;

/// <summary>
/// Runs the <see cref="Order"/> and <see cref="OrderReceipt"/> encodings off the clock until the JIT has finished with
/// them, before the request workload measures them. MessagePack-CSharp emits their formatters at first use, and its
/// code then climbs the JIT's tiers (first tier, instrumented for PGO, optimized) in the background; on a busy machine a
/// case's 200 ms warm-up ended long before that, and the measured round trips ran unoptimized code (p50 +35–50% at
/// load 30, against +4–7% with tiering turned off). So both sides run batches until the JIT has compiled nothing new for
/// a while: the steady state, measured directly rather than guessed from timings that a loaded machine makes noisy.
/// </summary>
public static class SerializerWarmup
{
    private const int BatchSize = 100;

    /// <summary>Set once a run reached the steady state: the JIT's work is per process, so later calls return at once.</summary>
    private static volatile bool s_steady;

    /// <summary>
    /// Encodes and decodes batches of orders and receipts until no method was compiled (tiered up) in this process for
    /// 300 ms of batches, or <paramref name="cap"/> (default 5 s) has passed; at once when an earlier call in this process
    /// got there. Returns how long it took.
    /// </summary>
    public static TimeSpan Run(MessagePackSerializerOptions? options = null, TimeSpan? cap = null)
    {
        if (s_steady)
        {
            return TimeSpan.Zero;
        }

        options ??= MessagePackFrames.DefaultOptions;
        var buffer = new ArrayBufferWriter<byte>(1024);
        long start = Stopwatch.GetTimestamp();
        long quietSince = start;
        long compiled = JitInfo.GetCompiledMethodCount();
        while (Stopwatch.GetElapsedTime(quietSince) < TimeSpan.FromMilliseconds(300) && Stopwatch.GetElapsedTime(start) < (cap ?? TimeSpan.FromSeconds(5)))
        {
            for (int i = 0; i < BatchSize; i++)
            {
                buffer.ResetWrittenCount();
                MessagePackSerializer.Serialize(buffer, Order.Sample(i % 64), options);
                Order order = MessagePackFrames.Read<Order>(buffer.WrittenMemory, options);
                buffer.ResetWrittenCount();
                MessagePackSerializer.Serialize(buffer, OrderReceipt.For(order), options);
                _ = MessagePackFrames.Read<OrderReceipt>(buffer.WrittenMemory, options);
            }

            long now = JitInfo.GetCompiledMethodCount();
            if (now != compiled)
            {
                compiled = now;
                quietSince = Stopwatch.GetTimestamp();
            }
        }

        s_steady = Stopwatch.GetElapsedTime(quietSince) >= TimeSpan.FromMilliseconds(300);
        return Stopwatch.GetElapsedTime(start);
    }
}
