using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using IpcKit.Coordinator.Running;
using IpcKit.Transports;
using static IpcKit.Coordinator.Demos.DemoKit;

namespace IpcKit.Coordinator.Demos;

/// <summary>
/// Channels: a bounded <see cref="Channel{T}"/> between a fast producer and a slow consumer makes the producer wait
/// (back-pressure) and keeps memory flat; an unbounded queue in the same place grows without limit. Between two
/// processes a stream socket does the same as the bounded channel: its kernel buffer is the bound.
/// </summary>
internal sealed class ChannelDemo : IDemo
{
    private const int MessageBytes = 1024;
    private const int Capacity = 100;

    /// <summary>Where the demo stops the unbounded producer: about 30 MiB of messages.</summary>
    private const int UnboundedCeiling = 30_000;

    /// <summary>How long the producer produces in each part.</summary>
    public TimeSpan Duration { get; init; } = TimeSpan.FromMilliseconds(300);

    /// <summary>What the consumer spends on each message.</summary>
    public int ConsumerMicros { get; init; } = 20;

    public string Name => "channel";

    public string Summary => "Channels pace the producer: a bounded Channel<T> makes a fast producer wait for a slow consumer and memory stays flat; an unbounded queue grows; the same across processes.";

    public static string Claim =>
        "Between a fast producer and a slow consumer a bounded channel applies back-pressure: the producer waits and memory stays flat, "
        + "while an unbounded queue grows without limit; between processes a stream socket's buffer bounds the channel the same way.";

    public async Task<DemoResult> RunAsync(DemoOutput output, CancellationToken cancellationToken)
    {
        output.Say($"A producer makes {MessageBytes / 1024} KiB messages as fast as it can, for {Duration.TotalMilliseconds:0} ms; a consumer spends {ConsumerMicros} µs on each.");
        output.Say($"Between them: a bounded Channel<byte[]> (capacity {Capacity}, the writer waits when it is full), an unbounded");
        output.Say($"Channel<byte[]> (the demo stops the producer at {UnboundedCeiling:N0} messages), and a Unix socket to a consumer in another process.");
        output.Say();

        var bounded = await InProcessAsync(Channel.CreateBounded<byte[]>(new BoundedChannelOptions(Capacity) { FullMode = BoundedChannelFullMode.Wait }));
        cancellationToken.ThrowIfCancellationRequested();
        var unbounded = await InProcessAsync(Channel.CreateUnbounded<byte[]>());
        cancellationToken.ThrowIfCancellationRequested();
        var socket = await AcrossProcessesAsync(cancellationToken);

        output.Table(
            ["", "produced", "consumed", "most waiting", "producer waited", "live heap growth KiB"],
            [
                Row($"bounded channel ({Capacity})", bounded),
                Row("unbounded channel", unbounded),
                Row("Unix socket to a worker process", socket),
            ]);
        output.Say();
        output.Say($"Bounded, the channel filled up within moments, and from then on each write waited for the consumer to take a");
        output.Say($"message: the producer ran at the consumer's pace ({bounded.Produced:N0} against {bounded.Consumed:N0}) and no more than {bounded.MostWaiting} messages");
        output.Say($"ever waited, so memory stayed flat. Unbounded, nothing held the producer back: {unbounded.MostWaiting:N0} messages piled up, {unbounded.HeapGrowthKiB / 1024:N0} MiB of");
        output.Say("heap, growing as long as the producer runs. That is how a service falls over when its consumers slow down.");
        output.Say($"Across processes the socket is the channel: the kernel holds what is sent but not yet read, up to the");
        output.Say($"socket's buffer ({SocketBufferKiB()} KiB by default here), and then the sender's write waits: the producer waited {socket.Waits:N0} times,");
        output.Say($"{socket.WaitedMs:0} ms in all, kept to the consumer's pace, and the worker received all {socket.Consumed:N0} messages.");
        output.Say("Channels (and pipes, and sockets) pass the data and the pacing at once, which is why they are the preferred way");
        output.Say("for threads and processes to talk: no shared state to lock, and a full channel slows the producer down.");

        bool held = bounded.MostWaiting <= Capacity && bounded.Waits > 0
                    && unbounded.MostWaiting >= 10 * Capacity && unbounded.HeapGrowthKiB > bounded.HeapGrowthKiB
                    && socket.Waits > 0 && socket.Consumed == socket.Produced;
        string verdict = (held ? "Held: " : "Did not hold on this run: ")
            + $"bounded, at most {bounded.MostWaiting} messages waited and the producer waited {bounded.Waits:N0} times; unbounded, {unbounded.MostWaiting:N0} piled up "
            + $"({unbounded.HeapGrowthKiB / 1024:N0} MiB); over a socket the producer waited {socket.Waits:N0} times and all {socket.Produced:N0} messages arrived.";
        var figures = new JsonObject
        {
            ["messageBytes"] = MessageBytes,
            ["capacity"] = Capacity,
            ["consumerMicros"] = ConsumerMicros,
            ["bounded"] = Figures(bounded),
            ["unbounded"] = Figures(unbounded),
            ["processes"] = Figures(socket),
            ["socketBufferKiB"] = SocketBufferKiB(),
        };
        return new DemoResult(Name, Claim, held, verdict, figures);
    }

    /// <param name="MostWaiting">The most messages queued at once; -1 for the socket, whose queue is in the kernel.</param>
    /// <param name="Waits">Writes that could not complete at once and waited.</param>
    private sealed record Flow(long Produced, long Consumed, long MostWaiting, long Waits, double WaitedMs, long HeapGrowthKiB);

    private static string[] Row(string label, Flow f) =>
        [label, N(f.Produced), N(f.Consumed), f.MostWaiting < 0 ? $"≤ {SocketBufferKiB()} KiB" : N(f.MostWaiting), $"{N(f.Waits)} times, {N(f.WaitedMs)} ms", N(f.HeapGrowthKiB)];

    /// <summary>The kernel's default socket send buffer (what a Unix stream socket holds before a write waits), in KiB.</summary>
    private static long SocketBufferKiB()
    {
        try
        {
            return long.Parse(File.ReadAllText("/proc/sys/net/core/wmem_default").Trim(), CultureInfo.InvariantCulture) / 1024;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            return 0;
        }
    }

    private static JsonObject Figures(Flow f) => new()
    {
        ["produced"] = f.Produced,
        ["consumed"] = f.Consumed,
        ["mostWaiting"] = f.MostWaiting < 0 ? null : f.MostWaiting,
        ["producerWaits"] = f.Waits,
        ["producerWaitedMs"] = Math.Round(f.WaitedMs, 1),
        ["heapGrowthKiB"] = f.HeapGrowthKiB,
    };

    private async Task<Flow> InProcessAsync(Channel<byte[]> channel)
    {
        long consumed = 0;
        using var stopConsumer = new CancellationTokenSource();
        var consumer = Task.Run(async () =>
        {
            long ticks = ConsumerMicros * Stopwatch.Frequency / 1_000_000;
            try
            {
                await foreach (var message in channel.Reader.ReadAllAsync(stopConsumer.Token))
                {
                    SpinUntil(Stopwatch.GetTimestamp() + ticks);
                    Interlocked.Increment(ref consumed);
                }
            }
            catch (OperationCanceledException) when (stopConsumer.IsCancellationRequested)
            {
                // The unbounded backlog is thrown away rather than worked off.
            }
        });

        var flow = await Task.Run(async () =>
        {
            long heapBefore = GC.GetTotalMemory(true);
            long produced = 0, waits = 0, waitedTicks = 0, most = 0;
            long end = Stopwatch.GetTimestamp() + (long)(Duration.TotalSeconds * Stopwatch.Frequency);
            while (Stopwatch.GetTimestamp() < end && channel.Reader.Count < UnboundedCeiling)
            {
                var write = channel.Writer.WriteAsync(new byte[MessageBytes]);
                if (!write.IsCompleted)
                {
                    long start = Stopwatch.GetTimestamp();
                    await write;
                    waits++;
                    waitedTicks += Stopwatch.GetTimestamp() - start;
                }

                produced++;
                most = Math.Max(most, channel.Reader.Count);
            }

            long heapGrowth = (GC.GetTotalMemory(true) - heapBefore) / 1024; // what is still alive: the queued messages
            return new Flow(produced, Interlocked.Read(ref consumed), most, waits, waitedTicks * 1000.0 / Stopwatch.Frequency, heapGrowth);
        }).WaitAsync(JoinTimeout);
        channel.Writer.Complete();
        await stopConsumer.CancelAsync();
        await consumer.WaitAsync(JoinTimeout);
        return flow;
    }

    private async Task<Flow> AcrossProcessesAsync(CancellationToken cancellationToken)
    {
        using var scratch = ScratchSpace.Create();
        var unix = TransportRegistry.Default.Get("unix");
        await using var listener = await unix.ListenAsync(unix.CreateEphemeralEndpoint(scratch.Path), cancellationToken);
        await using var worker = DemoWorker.Start("consume", listener.Endpoint.ToString(), ConsumerMicros.ToString(CultureInfo.InvariantCulture));
        var connection = await listener.AcceptAsync(cancellationToken).AsTask().WaitAsync(JoinTimeout, cancellationToken)
            ?? throw new WorkerFailedException("The Unix socket listener closed before the consumer connected.");
        long produced = 0, waits = 0, waitedTicks = 0, heapGrowth;
        try
        {
            await worker.ExpectAsync("ready", cancellationToken);
            var message = new byte[MessageBytes];
            long heapBefore = GC.GetTotalMemory(true);
            long end = Stopwatch.GetTimestamp() + (long)(Duration.TotalSeconds * Stopwatch.Frequency);
            while (Stopwatch.GetTimestamp() < end)
            {
                var send = connection.SendAsync(message, cancellationToken);
                if (!send.IsCompleted)
                {
                    long start = Stopwatch.GetTimestamp();
                    await send.AsTask().WaitAsync(JoinTimeout, cancellationToken);
                    waits++;
                    waitedTicks += Stopwatch.GetTimestamp() - start;
                }

                produced++;
            }

            heapGrowth = (GC.GetTotalMemory(true) - heapBefore) / 1024;
        }
        finally
        {
            await connection.DisposeAsync(); // the consumer sees the end of the stream once it has read everything
        }

        await worker.SendLineAsync("finish", cancellationToken);
        long total = (await worker.ReadNumbersAsync("total", cancellationToken))[0];
        return new Flow(produced, total, -1, waits, waitedTicks * 1000.0 / Stopwatch.Frequency, heapGrowth);
    }

    private static void SpinUntil(long timestamp)
    {
        while (Stopwatch.GetTimestamp() < timestamp)
        {
            // the work a slow consumer does with each message
        }
    }
}
