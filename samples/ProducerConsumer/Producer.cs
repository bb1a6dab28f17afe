using System.Diagnostics;
using System.Globalization;
using IpcKit.Transports;

namespace IpcKit.Samples.ProducerConsumer;

/// <summary>Connects to the consumer and streams readings as fast as the ring accepts them.</summary>
internal static class Producer
{
    public static async Task<double> RunAsync(Endpoint endpoint, long count, CancellationToken stop)
    {
        await using IConnection consumer = await TransportRegistry.Default.ConnectAsync(endpoint, stop);
        byte[] buffer = new byte[Reading.Size]; // one buffer for every message: SendAsync copies it into the ring
        var clock = Stopwatch.StartNew();
        for (long sequence = 0; sequence < count; sequence++)
        {
            new Reading(sequence, SensorId: sequence % 8, Reading.ExpectedValue(sequence)).WriteTo(buffer);
            // When the ring is full the consumer is behind: SendAsync waits for room (back-pressure), never drops.
            await consumer.SendAsync(buffer, stop);
        }

        double seconds = clock.Elapsed.TotalSeconds;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"produced {count} readings in {seconds * 1000:0} ms ({count / seconds / 1e6:0.00} M messages/s)"));
        return seconds;
        // Disposing the connection is the end-of-stream signal: the consumer's ReceiveAsync returns null.
    }
}
