using System.Globalization;
using System.Net;
using System.Net.Sockets;
using IpcKit.Coordinator.Running;
using IpcKit.Protocol;
using IpcKit.Transports;

namespace IpcKit.Coordinator.Remote;

/// <summary>
/// Starts each worker on another host as <c>ipckit worker</c> through the target's engine (its control channel rides
/// the engine's stdin/stdout), and opens each data listener on the chosen local address, guarded by a fresh cookie.
/// The listener lives from the worker's start until it connects; then its port is closed.
/// </summary>
internal sealed class RemoteLauncher(RemoteTarget target, IReadOnlyList<string> ipckit, IPAddress bind, int port, Action<string> report) : IWorkerLauncher
{
    public string Where => $" on {target.Display}";

    public bool IsRemote => true;

    public ChildCommand Command => target.CommandFor(ipckit, "worker");

    public async ValueTask<IListener> ListenAsync(ITransport transport, Endpoint endpoint, CancellationToken cancellationToken)
    {
        if (transport.Scheme != "tcp")
        {
            throw new IpcException($"--remote measures TCP between hosts; the {transport.Scheme} transport cannot reach {target.Display}.");
        }

        string host = bind.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{bind}]" : bind.ToString();
        var local = Endpoint.Create("tcp", $"{host}:{port.ToString(CultureInfo.InvariantCulture)}");
        var inner = await transport.ListenAsync(local, cancellationToken).ConfigureAwait(false);
        return new CookieListener(inner, DataCookie.Create(), report);
    }
}
