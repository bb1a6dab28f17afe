using System.Net;

namespace IpcKit.Coordinator.Remote;

/// <summary>
/// Chooses the local address the data listener binds when the user gives none: the address of the interface that
/// faces the remote host, so the listener is reachable from there and from nowhere it need not be.
/// </summary>
internal static class LinkAddress
{
    /// <summary>The address to bind, and why it was chosen (for the run's progress line).</summary>
    /// <exception cref="RemoteSetupException">No address of the remote side can be reached from here.</exception>
    public static (IPAddress Bind, string Why) Choose(RemoteDescription remote, string target)
    {
        var candidates = new List<IPAddress>();
        // "client-ip client-port server-ip server-port": the server address is the one this machine already reached.
        string? sshServer = remote.SshConnection?.Split(' ', StringSplitOptions.RemoveEmptyEntries) is [_, _, var server, _] ? server : null;
        if (sshServer is not null && IPAddress.TryParse(sshServer, out var reached))
        {
            candidates.Add(reached);
        }

        foreach (string text in remote.Addresses)
        {
            if (IPAddress.TryParse(text, out var address) && !candidates.Contains(address))
            {
                candidates.Add(address);
            }
        }

        // IPv4 before IPv6, keeping the ssh address first.
        candidates = [.. candidates.Take(sshServer is null ? 0 : 1), .. candidates.Skip(sshServer is null ? 0 : 1).OrderBy(a => a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6)];
        var mine = RemoteDescription.UpAddresses().ToHashSet();
        if (candidates.Any(mine.Contains))
        {
            return (IPAddress.Loopback, $"{target} shares this machine's network, so the data listener stays on loopback");
        }

        var routable = candidates.Select(c => (Remote: c, Local: RemoteDescription.RouteSource(c))).Where(p => p.Local is not null).ToList();
        var pick = routable.FirstOrDefault(p => p.Remote.ToString() == sshServer);
        if (pick.Local is null)
        {
            pick = routable.FirstOrDefault(p => RemoteDescription.IsOnLink(p.Remote));
        }

        if (pick.Local is null)
        {
            pick = routable.FirstOrDefault();
        }

        if (pick.Local is null)
        {
            throw new RemoteSetupException(
                $"No address of {target} ({(candidates.Count == 0 ? "it reported none" : string.Join(", ", candidates))}) can be reached from this machine, " +
                "so there is no interface to open the data listener on. Give one with --remote-bind ADDRESS (an address of this machine the remote side can connect to).");
        }

        return (pick.Local, $"the data listener binds {pick.Local}, this machine's address towards {pick.Remote}");
    }
}

/// <summary>--remote could not be set up: the engine failed, the tool is missing on the remote side, or no address fits.</summary>
internal sealed class RemoteSetupException : Exception
{
    public RemoteSetupException(string message) : base(message) { }

    public RemoteSetupException() { }

    public RemoteSetupException(string message, Exception inner) : base(message, inner) { }
}
