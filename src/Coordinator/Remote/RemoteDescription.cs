using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Text.Json;
using IpcKit.Coordinator.Exporters;
using IpcKit.Coordinator.Results;

namespace IpcKit.Coordinator.Remote;

/// <summary>
/// What `ipckit worker --describe` prints on the remote side as one JSON object: its environment (for the report) and
/// its addresses (to choose the local address that faces it). Nothing secret: the same facts a result file records.
/// </summary>
internal sealed record RemoteDescription
{
    public required EnvironmentInfo Environment { get; init; }

    /// <summary>The remote side's unicast addresses on interfaces that are up, loopback excluded.</summary>
    public required IReadOnlyList<string> Addresses { get; init; }

    /// <summary>The remote side's SSH_CONNECTION ("client port server port") when sshd started it, else null.</summary>
    public string? SshConnection { get; init; }

    public static RemoteDescription Capture() => new()
    {
        Environment = EnvironmentInfo.Capture(),
        Addresses = [.. UpAddresses().Where(a => !IPAddress.IsLoopback(a) && !a.IsIPv6LinkLocal).Select(a => a.ToString())],
        SshConnection = System.Environment.GetEnvironmentVariable("SSH_CONNECTION"),
    };

    public string ToJson() => JsonSerializer.Serialize(this, JsonExporter.Options);

    /// <exception cref="JsonException">Not a description.</exception>
    public static RemoteDescription FromJson(string json) =>
        JsonSerializer.Deserialize<RemoteDescription>(json, JsonExporter.Options) ?? throw new JsonException("The description is empty.");

    /// <summary>Unicast addresses of this host's interfaces that are up (loopback included).</summary>
    internal static IEnumerable<IPAddress> UpAddresses() =>
        Interfaces().SelectMany(i => i.GetIPProperties().UnicastAddresses).Select(u => u.Address);

    /// <summary>Whether <paramref name="address"/> lies in the subnet of one of this host's interface addresses.</summary>
    internal static bool IsOnLink(IPAddress address) =>
        Interfaces().SelectMany(i => i.GetIPProperties().UnicastAddresses)
            .Any(u => u.Address.AddressFamily == address.AddressFamily && !IPAddress.IsLoopback(u.Address)
                      && new IPNetwork(Masked(u.Address, u.PrefixLength), u.PrefixLength).Contains(address));

    private static IEnumerable<NetworkInterface> Interfaces() =>
        NetworkInterface.GetAllNetworkInterfaces().Where(i => i.OperationalStatus is OperationalStatus.Up or OperationalStatus.Unknown);

    private static IPAddress Masked(IPAddress address, int prefix)
    {
        byte[] bytes = address.GetAddressBytes();
        for (int i = 0; i < bytes.Length; i++)
        {
            int keep = Math.Clamp(prefix - (i * 8), 0, 8);
            bytes[i] &= (byte)(0xFF << (8 - keep));
        }

        return new IPAddress(bytes);
    }

    /// <summary>The source address this host would use to reach <paramref name="address"/>, or null when there is no route.</summary>
    internal static IPAddress? RouteSource(IPAddress address)
    {
        try
        {
            // Connecting a UDP socket only asks the routing table; no packet leaves.
            using var socket = new Socket(address.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            socket.Connect(new IPEndPoint(address, 9));
            return (socket.LocalEndPoint as IPEndPoint)?.Address;
        }
        catch (SocketException)
        {
            return null;
        }
    }
}
