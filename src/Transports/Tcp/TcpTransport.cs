using System.Globalization;
using System.Net;
using System.Net.Sockets;
using IpcKit.Transports.Connections;
using IpcKit.Transports.Internal;

namespace IpcKit.Transports.Tcp;

/// <summary>Settings of <see cref="TcpTransport"/>.</summary>
public sealed class TcpTransportOptions : TransportOptions
{
    /// <summary>Disables Nagle's algorithm so that small messages leave at once. Default: true.</summary>
    public bool NoDelay { get; init; } = true;

    /// <summary>How many connections may wait to be accepted. Default: 128.</summary>
    public int Backlog { get; init; } = 128;

    internal TcpTransportOptions Validated()
    {
        ValidateCommon();
        ArgumentOutOfRangeException.ThrowIfLessThan(Backlog, 1, nameof(Backlog));
        return this;
    }
}

/// <summary>
/// TCP (<c>tcp://127.0.0.1:5000</c>, port 0 for any free port). With no host, or <c>localhost</c>, it binds the
/// loopback address: nothing off this machine can connect unless the endpoint names another address on purpose.
/// Nagle's algorithm is off by default.
/// </summary>
public sealed class TcpTransport : ITransport
{
    private readonly TcpTransportOptions _options;

    /// <summary>Creates the transport with the given settings, or the defaults.</summary>
    public TcpTransport(TcpTransportOptions? options = null) => _options = (options ?? new()).Validated();

    /// <inheritdoc/>
    public string Scheme => "tcp";

    /// <inheritdoc/>
    public IReadOnlyList<string> Aliases => [];

    /// <inheritdoc/>
    public string Description => "TCP over loopback with Nagle off: the full network stack, no wire";

    /// <inheritdoc/>
    public Endpoint CreateEphemeralEndpoint(string scratchDirectory) => Endpoint.Create(Scheme, "127.0.0.1:0");

    /// <inheritdoc/>
    public ValueTask<IListener> ListenAsync(Endpoint endpoint, CancellationToken cancellationToken = default)
    {
        var (address, port) = ParseForListen(endpoint);
        var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.Bind(new IPEndPoint(address, port));
            socket.Listen(_options.Backlog);
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            socket.Dispose();
            throw new EndpointInUseException($"Cannot listen on {endpoint}: port {port} on {address} is already in use. Use another port, or port 0 for any free one.", e);
        }
        catch (SocketException e)
        {
            socket.Dispose();
            throw new IpcException($"Cannot listen on {endpoint}: {e.Message}", e);
        }

        var bound = (IPEndPoint)socket.LocalEndPoint!;
        var actual = endpoint.WithAddress(FormatHostPort(bound.Address, bound.Port));
        bool noDelay = _options.NoDelay;
        IListener listener = new SocketListener(actual, socket, _options.MaxMessageSize, s => s.NoDelay = noDelay, onDispose: null);
        return ValueTask.FromResult(listener);
    }

    /// <inheritdoc/>
    public async ValueTask<IConnection> ConnectAsync(Endpoint endpoint, CancellationToken cancellationToken = default)
    {
        var (host, port) = SplitHostPort(endpoint);
        if (port == 0)
        {
            throw new ArgumentException($"Cannot connect to {endpoint}: port 0 means 'any port' and can only be listened on.", nameof(endpoint));
        }

        IPAddress address = await ResolveAsync(host, endpoint, cancellationToken).ConfigureAwait(false);
        var socket = await SocketConnector.ConnectAsync(
            () => new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = _options.NoDelay },
            new IPEndPoint(address, port), endpoint, _options.ConnectTimeout, cancellationToken).ConfigureAwait(false);
        return FramedStreamConnection.OverSocket(endpoint, socket, _options.MaxMessageSize);
    }

    private static (IPAddress Address, int Port) ParseForListen(Endpoint endpoint)
    {
        var (host, port) = SplitHostPort(endpoint);
        if (host.Length == 0 || string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            return (IPAddress.Loopback, port);
        }

        if (IPAddress.TryParse(host, out var address))
        {
            return (address, port);
        }

        throw new ArgumentException($"Cannot listen on {endpoint}: give an IP address to bind (127.0.0.1, ::1, or 0.0.0.0 to accept other machines), not the host name '{host}'.", nameof(endpoint));
    }

    private static async ValueTask<IPAddress> ResolveAsync(string host, Endpoint endpoint, CancellationToken cancellationToken)
    {
        if (host.Length == 0 || string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            return IPAddress.Loopback;
        }

        if (IPAddress.TryParse(host, out var address))
        {
            return address;
        }

        try
        {
            var addresses = await Dns.GetHostAddressesAsync(host, cancellationToken).ConfigureAwait(false);
            return addresses.Length > 0 ? addresses[0] : throw new EndpointNotFoundException($"Cannot connect to {endpoint}: '{host}' has no address.");
        }
        catch (SocketException e)
        {
            throw new EndpointNotFoundException($"Cannot connect to {endpoint}: '{host}' does not resolve ({e.Message}).", e);
        }
    }

    /// <summary>Splits <c>host:port</c>, <c>[v6]:port</c>, <c>:port</c> or a bare port.</summary>
    internal static (string Host, int Port) SplitHostPort(Endpoint endpoint)
    {
        if (!string.Equals(endpoint.Scheme, "tcp", StringComparison.Ordinal))
        {
            throw new ArgumentException($"The tcp transport cannot use the endpoint {endpoint}.", nameof(endpoint));
        }

        string text = endpoint.Address.TrimEnd('/');
        string host;
        string portText;
        if (text.StartsWith('['))
        {
            int close = text.IndexOf(']', StringComparison.Ordinal);
            if (close < 0 || close + 1 >= text.Length || text[close + 1] != ':')
            {
                throw new ArgumentException($"The endpoint {endpoint} is not of the form tcp://[v6-address]:port.", nameof(endpoint));
            }

            host = text[1..close];
            portText = text[(close + 2)..];
        }
        else
        {
            int colon = text.LastIndexOf(':');
            host = colon < 0 ? "" : text[..colon];
            portText = colon < 0 ? text : text[(colon + 1)..];
        }

        if (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out int port) || port > 65535)
        {
            throw new ArgumentException($"The endpoint {endpoint} has no valid port (0-65535): write tcp://127.0.0.1:5000, or port 0 for any free port.", nameof(endpoint));
        }

        return (host, port);
    }

    private static string FormatHostPort(IPAddress address, int port) =>
        address.AddressFamily == AddressFamily.InterNetworkV6
            ? $"[{address}]:{port.ToString(CultureInfo.InvariantCulture)}"
            : $"{address}:{port.ToString(CultureInfo.InvariantCulture)}";
}
