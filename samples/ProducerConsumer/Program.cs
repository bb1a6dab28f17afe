// A producer/consumer pair over shared memory (the mmf transport: a ring per direction in a /dev/shm file). One
// command runs both: this program starts a copy of itself as the consumer, then produces into it.
//
//   dotnet run --project samples/ProducerConsumer
//   dotnet run --project samples/ProducerConsumer -- "mmf://readings?capacity=64KiB" 1000000
//
// Any other transport works the same way (unix:///tmp/pc.sock, tcp://127.0.0.1:0); only the endpoint changes.
// Exit codes: 0 every reading arrived once, in order and intact; 1 otherwise or on a transport error; 2 bad arguments.
using System.Globalization;
using IpcKit.Samples;
using IpcKit.Samples.ProducerConsumer;
using IpcKit.Transports;

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};

try
{
    switch (args)
    {
        case ["consume", string endpoint]:
            return await Consumer.RunAsync(Endpoint.Parse(endpoint), stop.Token);
        case [] or [_] or [_, _]:
            var endpointToUse = Endpoint.Parse(args.Length > 0 ? args[0] : $"mmf://ipckit-pc-{Environment.ProcessId}?capacity=256KiB");
            long count = args.Length > 1 ? long.Parse(args[1], CultureInfo.InvariantCulture) : 200_000;
            return await RunPairAsync(endpointToUse, count, stop.Token);
        default:
            Console.Error.WriteLine("usage: ProducerConsumer [ENDPOINT [COUNT]] | consume ENDPOINT   (ENDPOINT like mmf://readings)");
            return 2;
    }
}
catch (Exception e) when (e is FormatException or ArgumentException or UnknownTransportException)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 2;
}
catch (IpcException e)
{
    Console.Error.WriteLine($"error: {e.GetType().Name}: {e.Message}");
    return 1;
}
catch (OperationCanceledException) when (stop.IsCancellationRequested)
{
    Console.Error.WriteLine("interrupted");
    return 130;
}

static async Task<int> RunPairAsync(Endpoint endpoint, long count, CancellationToken stop)
{
    TransportRegistry.Default.Get(endpoint.Scheme); // an unknown scheme fails here, before a process is started
    await using var consumer = ChildProcess.StartSelf("consume", endpoint.ToString());
    Endpoint bound = Endpoint.Parse((await consumer.ReadLineAsync("listening on ", stop))["listening on ".Length..]);
    Console.WriteLine($"producer: consumer {consumer.Id} listens on {bound}");

    await Producer.RunAsync(bound, count, stop);

    Console.WriteLine("consumer: " + await consumer.ReadLineAsync("consumed ", stop));
    return await consumer.WaitForExitAsync();
}
