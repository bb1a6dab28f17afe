// A request/reply service over any IpcKit transport, chosen by the endpoint's URI. One command shows a round trip
// between two processes: this program starts a copy of itself as the server, then acts as the client.
//
//   dotnet run --project samples/RequestReply -- unix:///tmp/rr.sock
//   dotnet run --project samples/RequestReply -- tcp://127.0.0.1:0        (also pipe://rr, mmf://rr)
//
// Or run the two sides yourself, in two terminals (stop the server with Ctrl+C):
//
//   dotnet run --project samples/RequestReply -- serve unix:///tmp/rr.sock
//   dotnet run --project samples/RequestReply -- call unix:///tmp/rr.sock
//
// Exit codes: 0 all requests answered, 1 a transport error (the message says what to do), 2 bad arguments.
using IpcKit.Samples.RequestReply;
using IpcKit.Transports;

using var stop = new CancellationTokenSource();
using var sigint = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGINT, Stop);
using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, Stop);

try
{
    switch (args)
    {
        case ["serve", string endpoint]:
            await Server.RunAsync(Endpoint.Parse(endpoint), stop.Token);
            return 0;
        case ["serve", string endpoint, "--until-stdin-closes"]:
            // As a child: stop when the parent closes our standard input, or dies.
            _ = Task.Run(async () =>
            {
                await Console.In.ReadToEndAsync(stop.Token);
                await stop.CancelAsync();
            });
            await Server.RunAsync(Endpoint.Parse(endpoint), stop.Token);
            return 0;
        case ["call", string endpoint]:
            return await Client.RunAsync(Endpoint.Parse(endpoint), stop.Token);
        case [] or [_]:
            var endpointToUse = Endpoint.Parse(args is [string e] ? e : $"unix:///tmp/ipckit-rr-{Environment.ProcessId}.sock");
            return await RoundTrip.RunAsync(endpointToUse, stop.Token);
        default:
            Console.Error.WriteLine("usage: RequestReply [ENDPOINT] | serve ENDPOINT | call ENDPOINT   (ENDPOINT like unix:///tmp/rr.sock)");
            return 2;
    }
}
catch (Exception e) when (e is FormatException or ArgumentException or UnknownTransportException)
{
    // A malformed endpoint (FormatException), one the transport cannot use (ArgumentException), or an unknown scheme.
    Console.Error.WriteLine($"error: {e.Message}");
    return 2;
}
catch (IpcException e)
{
    // EndpointInUseException, EndpointNotFoundException, ConnectionClosedException, ProtocolViolationException...
    // each message says what happened and what to do.
    Console.Error.WriteLine($"error: {e.GetType().Name}: {e.Message}");
    return 1;
}
catch (OperationCanceledException) when (stop.IsCancellationRequested)
{
    Console.Error.WriteLine("interrupted");
    return 130;
}

void Stop(System.Runtime.InteropServices.PosixSignalContext context)
{
    context.Cancel = true; // shut down gracefully instead of being killed
    stop.Cancel();
}
