using System.Diagnostics;
using System.Reflection;
using IpcKit.Transports;

namespace IpcKit.Samples.RequestReply;

/// <summary>Starts this program again as the server, in its own process, then runs the client against it.</summary>
internal static class RoundTrip
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(15);

    public static async Task<int> RunAsync(Endpoint endpoint, CancellationToken stop)
    {
        TransportRegistry.Default.Get(endpoint.Scheme); // an unknown scheme fails here, before a process is started
        using Process server = StartSelf("serve", endpoint.ToString(), "--until-stdin-closes");
        try
        {
            // Wait for "listening on ENDPOINT": only then does a connect succeed, and it names the real endpoint.
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(stop);
            deadline.CancelAfter(StartTimeout);
            string? line;
            do
            {
                line = await server.StandardOutput.ReadLineAsync(deadline.Token);
                if (line is null)
                {
                    // It printed why to stderr (a bad endpoint: 2; an endpoint in use: 1); pass its verdict on.
                    int early = await ExitCodeAsync(server);
                    Console.Error.WriteLine($"client: the server exited with code {early} before listening");
                    return early == 0 ? 1 : early;
                }
            }
            while (!line.StartsWith("listening on ", StringComparison.Ordinal));

            Endpoint bound = Endpoint.Parse(line["listening on ".Length..]);
            Console.WriteLine($"client: server {server.Id} listens on {bound}");
            int code = await Client.RunAsync(bound, stop);

            // Graceful shutdown: closing the server's stdin asks it to stop; it removes its socket file and exits 0.
            server.StandardInput.Close();
            int serverCode = await ExitCodeAsync(server);
            Console.WriteLine($"client: server exited with code {serverCode}");
            return code != 0 ? code : serverCode == 0 ? 0 : 1;
        }
        finally
        {
            if (!server.HasExited)
            {
                server.Kill(entireProcessTree: true);
            }
        }
    }

    private static async Task<int> ExitCodeAsync(Process process)
    {
        await process.WaitForExitAsync().WaitAsync(ExitTimeout);
        return process.ExitCode;
    }

    /// <summary>This same program in a new process: through its apphost, or `dotnet Program.dll` when run that way.</summary>
    private static Process StartSelf(params string[] args)
    {
        string self = Environment.ProcessPath ?? throw new InvalidOperationException("The path of this program is unknown.");
        var info = new ProcessStartInfo(self)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            info.ArgumentList.Add(Assembly.GetEntryAssembly()!.Location);
        }

        foreach (string arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        return Process.Start(info) ?? throw new InvalidOperationException($"Could not start {self}.");
    }
}
