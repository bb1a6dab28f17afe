using IpcKit.Transports;

namespace IpcKit.Samples.RequestReply;

/// <summary>Starts this program again as the server, in its own process, then runs the client against it.</summary>
internal static class RoundTrip
{
    public static async Task<int> RunAsync(Endpoint endpoint, CancellationToken stop)
    {
        TransportRegistry.Default.Get(endpoint.Scheme); // an unknown scheme fails here, before a process is started
        await using var server = ChildProcess.StartSelf("serve", endpoint.ToString(), "--until-stdin-closes");

        // Wait for "listening on ENDPOINT": only then does a connect succeed, and it names the real endpoint.
        if (await server.TryReadLineAsync("listening on ", stop) is not { } line)
        {
            // It printed why to stderr (a bad endpoint: 2; an endpoint in use: 1); pass its verdict on.
            int early = await server.WaitForExitAsync();
            Console.Error.WriteLine($"client: the server exited with code {early} before listening");
            return early == 0 ? 1 : early;
        }

        Endpoint bound = Endpoint.Parse(line["listening on ".Length..]);
        Console.WriteLine($"client: server {server.Id} listens on {bound}");
        int code = await Client.RunAsync(bound, stop);

        // Graceful shutdown: closing the server's stdin asks it to stop; it removes its socket file and exits 0.
        server.CloseInput();
        int serverCode = await server.WaitForExitAsync();
        Console.WriteLine($"client: server exited with code {serverCode}");
        return code != 0 ? code : serverCode == 0 ? 0 : 1;
    }
}
