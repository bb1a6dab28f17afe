using IpcKit.Transports;
using IpcKit.Transports.MessagePack;

namespace IpcKit.Samples.RequestReply;

/// <summary>Sends a few quote requests, one at a time, and checks that each reply answers its request.</summary>
internal static class Client
{
    private static readonly TimeSpan ReplyTimeout = TimeSpan.FromSeconds(10);

    public static async Task<int> RunAsync(Endpoint endpoint, CancellationToken stop)
    {
        // Throws EndpointNotFoundException when nothing listens there within the connect timeout (10 s by default).
        await using IConnection connection = await TransportRegistry.Default.ConnectAsync(endpoint, stop);
        QuoteRequest[] requests =
        [
            new(1, "widget", 4),
            new(2, "gadget", 1),
            new(3, "unobtainium", 1), // the server answers with an error: an application error, not a transport one
        ];

        int answered = 0;
        foreach (QuoteRequest request in requests)
        {
            // Every wait has a deadline: a server that hangs is reported, not waited for forever.
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(stop);
            deadline.CancelAfter(ReplyTimeout);
            await connection.SendAsync(request, deadline.Token);
            QuoteReply reply = await connection.ReceiveAsync<QuoteReply?>(deadline.Token)
                ?? throw new InvalidOperationException("The server sent nil instead of a reply.");
            if (reply.Id != request.Id)
            {
                throw new InvalidOperationException($"Reply {reply.Id} does not answer request {request.Id}.");
            }

            Console.WriteLine(reply.Error is null
                ? $"quote {reply.Id}: {request.Quantity} x {request.Product} = {reply.Total:0.00}"
                : $"quote {reply.Id}: refused: {reply.Error}");
            answered++;
        }

        Console.WriteLine($"{answered} requests answered over {endpoint.Scheme}");
        return 0;
        // Disposing the connection closes it cleanly: the server's ReceiveAsync returns null and its session ends.
    }
}
