using System.Globalization;
using IpcKit.Transports;

namespace IpcKit.Samples.ProducerConsumer;

/// <summary>
/// Listens, takes one producer, and reads readings until the producer closes the connection. Checks that every
/// message arrives once, in order and intact, and prints a one-line summary that the parent process reads.
/// </summary>
internal static class Consumer
{
    public static async Task<int> RunAsync(Endpoint endpoint, CancellationToken stop)
    {
        await using IListener listener = await TransportRegistry.Default.ListenAsync(endpoint, stop);
        Console.WriteLine($"listening on {listener.Endpoint}");

        using var acceptDeadline = CancellationTokenSource.CreateLinkedTokenSource(stop);
        acceptDeadline.CancelAfter(TimeSpan.FromSeconds(30));
        await using IConnection producer = await listener.AcceptAsync(acceptDeadline.Token)
            ?? throw new IpcException("The listener closed before a producer connected.");

        long received = 0, outOfOrder = 0, corrupt = 0;
        double sum = 0;
        // null: the producer closed the connection cleanly after its last message.
        while (await producer.ReceiveAsync(stop) is { } message)
        {
            Reading reading = Reading.ReadFrom(message.Span); // parse in place; the buffer is reused by the next receive
            if (reading.Sequence != received)
            {
                outOfOrder++;
            }

            if (reading.Value != Reading.ExpectedValue(reading.Sequence))
            {
                corrupt++;
            }

            sum += reading.Value;
            received++;
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"consumed {received} readings, sum {sum:0.0}, out of order {outOfOrder}, corrupt {corrupt}"));
        return outOfOrder == 0 && corrupt == 0 ? 0 : 1;
    }
}
