using IpcKit.Transports;
using IpcKit.Transports.MessagePack;

namespace IpcKit.Samples.RequestReply;

/// <summary>
/// Answers quote requests from any number of clients until <c>stop</c> is cancelled, then shuts down gracefully:
/// it stops accepting, lets each session finish the request it is answering, and removes its endpoint (the socket file).
/// </summary>
internal static class Server
{
    private static readonly Dictionary<string, double> Prices = new(StringComparer.OrdinalIgnoreCase)
    {
        ["widget"] = 2.50,
        ["gadget"] = 12.00,
        ["gizmo"] = 7.25,
    };

    public static async Task RunAsync(Endpoint endpoint, CancellationToken stop)
    {
        // Throws EndpointInUseException if another live server holds the endpoint; a stale socket file is replaced.
        await using IListener listener = await TransportRegistry.Default.ListenAsync(endpoint, stop);

        // The parent process waits for this line; for tcp://127.0.0.1:0 it carries the port actually bound.
        Console.WriteLine($"listening on {listener.Endpoint}");

        var sessions = new List<Task>();
        try
        {
            while (await listener.AcceptAsync(stop) is { } connection)
            {
                sessions.Add(ServeAsync(connection, stop));
                sessions.RemoveAll(s => s.IsCompleted);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Shutting down: fall through to wait for the sessions.
        }

        await Task.WhenAll(sessions).WaitAsync(TimeSpan.FromSeconds(10), CancellationToken.None);
        Console.Error.WriteLine("server: stopped");
    }

    private static async Task ServeAsync(IConnection connection, CancellationToken stop)
    {
        await using (connection)
        {
            try
            {
                // ReadAllAsync decodes each message as it arrives (under MessagePackSecurity.UntrustedData) and ends when
                // the client closes cleanly between messages: the normal end of a session.
                await foreach (QuoteRequest? request in connection.ReadAllAsync<QuoteRequest?>(cancellationToken: stop))
                {
                    QuoteRequest valid = request ?? throw new ProtocolViolationException("A request may not be nil.");
                    await connection.SendAsync(Answer(valid), CancellationToken.None);
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                // Shutdown while waiting for the next request: nothing was half done.
            }
            catch (ProtocolViolationException e)
            {
                // Garbage, an oversized frame or a message that is not exactly one QuoteRequest:
                // this client cannot be trusted any more, but the others are served on.
                Console.Error.WriteLine($"server: dropped a client that broke the protocol: {e.Message}");
            }
            catch (ConnectionClosedException e)
            {
                Console.Error.WriteLine($"server: a client vanished: {e.Message}");
            }
        }
    }

    private static QuoteReply Answer(QuoteRequest request)
    {
        if (request.Quantity <= 0)
        {
            return new QuoteReply(request.Id, 0, $"quantity must be positive, not {request.Quantity}");
        }

        return Prices.TryGetValue(request.Product, out double price)
            ? new QuoteReply(request.Id, price * request.Quantity, null)
            : new QuoteReply(request.Id, 0, $"no such product: {request.Product}");
    }
}
