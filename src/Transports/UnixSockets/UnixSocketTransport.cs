using System.Net.Sockets;
using IpcKit.Transports.Connections;
using IpcKit.Transports.Internal;

namespace IpcKit.Transports.UnixSockets;

/// <summary>Settings of <see cref="UnixSocketTransport"/>.</summary>
public sealed class UnixSocketTransportOptions : TransportOptions
{
    /// <summary>How many connections may wait to be accepted. Default: 128.</summary>
    public int Backlog { get; init; } = 128;

    /// <summary>The permissions of the socket file, applied before the socket listens. Default: 0600 (the current user only).</summary>
    public UnixFileMode SocketFileMode { get; init; } = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    internal UnixSocketTransportOptions Validated()
    {
        ValidateCommon();
        ArgumentOutOfRangeException.ThrowIfLessThan(Backlog, 1, nameof(Backlog));
        return this;
    }
}

/// <summary>
/// Unix domain stream sockets (<c>unix:///path/to.sock</c>): the kernel copies bytes between the two processes' socket
/// buffers; no network stack. The socket file is mode 0600 by default and removed when the listener is disposed.
/// A socket file left by a crashed run (nobody listening) is detected and replaced; a live one is never taken over.
/// </summary>
public sealed class UnixSocketTransport : ITransport
{
    private readonly UnixSocketTransportOptions _options;

    /// <summary>Creates the transport with the given settings, or the defaults.</summary>
    public UnixSocketTransport(UnixSocketTransportOptions? options = null) => _options = (options ?? new()).Validated();

    /// <inheritdoc/>
    public string Scheme => "unix";

    /// <inheritdoc/>
    public IReadOnlyList<string> Aliases => [];

    /// <inheritdoc/>
    public string Description => "Unix domain stream socket: kernel socket buffers between two processes, a 0600 socket file";

    /// <inheritdoc/>
    public Endpoint CreateEphemeralEndpoint(string scratchDirectory) =>
        Endpoint.Create(Scheme, Path.Combine(scratchDirectory, $"u{Environment.ProcessId}-{Guid.NewGuid():N}"[..16] + ".sock"));

    /// <inheritdoc/>
    public ValueTask<IListener> ListenAsync(Endpoint endpoint, CancellationToken cancellationToken = default)
    {
        string path = GetPath(endpoint);
        bool replaced = UnixPath.ClaimSocketPath(path, endpoint.ToString());
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            socket.Bind(new UnixDomainSocketEndPoint(path));
            // Connecting needs write permission on the file; set it before listen() so nobody else can get in first.
            File.SetUnixFileMode(path, _options.SocketFileMode);
            socket.Listen(_options.Backlog);
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            socket.Dispose();
            throw new EndpointInUseException($"Cannot listen on {endpoint}: the path is in use.", e);
        }
        catch (Exception e) when (e is SocketException or IOException or UnauthorizedAccessException)
        {
            socket.Dispose();
            TryDelete(path);
            throw new IpcException($"Cannot listen on {endpoint}: {e.Message}", e);
        }

        IListener listener = new SocketListener(endpoint, socket, _options.MaxMessageSize, static _ => { }, () => TryDelete(path))
        {
            ReplacedStaleEndpoint = replaced,
        };
        return ValueTask.FromResult(listener);
    }

    /// <inheritdoc/>
    public async ValueTask<IConnection> ConnectAsync(Endpoint endpoint, CancellationToken cancellationToken = default)
    {
        string path = GetPath(endpoint);
        var socket = await SocketConnector.ConnectAsync(
            () => new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified),
            new UnixDomainSocketEndPoint(path), endpoint, _options.ConnectTimeout, cancellationToken).ConfigureAwait(false);
        return FramedStreamConnection.OverSocket(endpoint, socket, _options.MaxMessageSize);
    }

    private static string GetPath(Endpoint endpoint)
    {
        if (!string.Equals(endpoint.Scheme, "unix", StringComparison.Ordinal))
        {
            throw new ArgumentException($"The unix transport cannot use the endpoint {endpoint}.", nameof(endpoint));
        }

        string path = endpoint.Address;
        if (!Path.IsPathRooted(path))
        {
            throw new ArgumentException($"The endpoint {endpoint} needs an absolute socket path, for example unix:///tmp/ipckit.sock.", nameof(endpoint));
        }

        UnixPath.CheckLength(path, "socket");
        return path;
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }
}
