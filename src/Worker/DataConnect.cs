using System.Net;
using System.Net.Sockets;
using System.Text;
using IpcKit.Protocol;
using IpcKit.Transports;

namespace IpcKit.Worker;

/// <summary>
/// Connects the data endpoint of a configure message. When the endpoint carries a cookie (a coordinator on another
/// host, docs/remote.md), the cookie comes out of the endpoint and is presented as the connection's first message.
/// </summary>
internal static class DataConnect
{
    /// <summary>How long an intruding connection (fault <c>intrude</c>) may stay open before the coordinator must have dropped it.</summary>
    private static readonly TimeSpan DropDeadline = TimeSpan.FromSeconds(15);

    public static async Task<IConnection> ConnectAsync(string endpointText, string? fault)
    {
        var (endpoint, cookie) = DataCookie.TakeFrom(Endpoint.Parse(endpointText));
        if (cookie is null)
        {
            return await TransportRegistry.Default.ConnectAsync(endpoint);
        }

        if (fault == "intrude")
        {
            await IntrudeAsync(endpoint, cookie);
        }

        var data = await TransportRegistry.Default.ConnectAsync(endpoint);
        try
        {
            data.Send(cookie);
            return data;
        }
        catch
        {
            await data.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Fault injection for the remote tests (IPCKIT_WORKER_FAULT=intrude): before connecting properly, knock with a
    /// wrong cookie and with garbage, and require the coordinator to drop both.
    /// </summary>
    private static async Task IntrudeAsync(Endpoint endpoint, byte[] cookie)
    {
        byte[] wrong = [.. cookie];
        wrong[0] ^= 0xFF;
        await using (var knock = await TransportRegistry.Default.ConnectAsync(endpoint))
        {
            knock.Send(wrong);
            await ExpectDroppedAsync(async ct => await knock.ReceiveAsync(ct) is null, "a connection with a wrong cookie");
        }

        using var raw = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await raw.ConnectAsync(IPEndPoint.Parse(endpoint.Address));
        await raw.SendAsync(Encoding.ASCII.GetBytes("GET / HTTP/1.0\r\n\r\n"));
        await ExpectDroppedAsync(async ct => await raw.ReceiveAsync(new byte[1], ct) == 0, "a connection that sent garbage");
        Console.Error.WriteLine("ipckit-worker: the coordinator dropped both intruding connections (IPCKIT_WORKER_FAULT=intrude).");
    }

    private static async Task ExpectDroppedAsync(Func<CancellationToken, Task<bool>> readEnd, string what)
    {
        using var deadline = new CancellationTokenSource(DropDeadline);
        try
        {
            if (await readEnd(deadline.Token))
            {
                return;
            }
        }
        catch (Exception e) when (e is IpcException or SocketException)
        {
            return; // reset: dropped too
        }
        catch (OperationCanceledException)
        {
            throw new InvalidOperationException($"The coordinator kept {what} open for {DropDeadline.TotalSeconds:0} s instead of dropping it.");
        }

        throw new InvalidOperationException($"The coordinator answered {what} instead of dropping it.");
    }
}
