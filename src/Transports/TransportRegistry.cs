using IpcKit.Transports.AnonymousPipes;
using IpcKit.Transports.Files;
using IpcKit.Transports.InProcess;
using IpcKit.Transports.NamedPipes;
using IpcKit.Transports.SharedMemory;
using IpcKit.Transports.Tcp;
using IpcKit.Transports.UnixSockets;

namespace IpcKit.Transports;

/// <summary>
/// Finds the transport for an endpoint's scheme. <see cref="Default"/> holds every built-in transport with default
/// settings; build your own with <see cref="With"/> to add a transport or replace one with other options.
/// </summary>
public sealed class TransportRegistry
{
    private readonly ITransport[] _transports;

    /// <summary>Creates a registry of the given transports; a later transport replaces an earlier one with the same scheme.</summary>
    public TransportRegistry(IEnumerable<ITransport> transports)
    {
        ArgumentNullException.ThrowIfNull(transports);
        var list = new List<ITransport>();
        foreach (var t in transports)
        {
            list.RemoveAll(x => x.Scheme == t.Scheme);
            list.Add(t);
        }

        _transports = [.. list];
    }

    /// <summary>Every built-in transport with default settings.</summary>
    public static TransportRegistry Default { get; } = new(
    [
        new NamedPipeTransport(),
        new AnonymousPipeTransport(),
        new UnixSocketTransport(),
        new TcpTransport(),
        new MmfTransport(),
        new ThreadTransport(),
        new FileTransport(),
        new ChannelTransport(),
        new ReferencePassingTransport(),
    ]);

    /// <summary>The transports, in registration order.</summary>
    public IReadOnlyList<ITransport> Transports => _transports;

    /// <summary>A copy with <paramref name="transport"/> added, replacing any transport of the same scheme.</summary>
    public TransportRegistry With(ITransport transport) => new([.. _transports, transport]);

    /// <summary>Finds a transport by scheme or alias, case-insensitively.</summary>
    public bool TryGet(string schemeOrAlias, out ITransport transport)
    {
        ArgumentNullException.ThrowIfNull(schemeOrAlias);
        foreach (var t in _transports)
        {
            if (string.Equals(t.Scheme, schemeOrAlias, StringComparison.OrdinalIgnoreCase)
                || t.Aliases.Any(a => string.Equals(a, schemeOrAlias, StringComparison.OrdinalIgnoreCase)))
            {
                transport = t;
                return true;
            }
        }

        transport = null!;
        return false;
    }

    /// <summary>Finds a transport by scheme or alias.</summary>
    /// <exception cref="UnknownTransportException">None is registered under that name; the message lists the valid ones.</exception>
    public ITransport Get(string schemeOrAlias) =>
        TryGet(schemeOrAlias, out var t)
            ? t
            : throw new UnknownTransportException(
                $"Unknown transport '{schemeOrAlias}'. Valid transports: {string.Join(", ", _transports.Select(x => x.Scheme))}.");

    /// <summary>Listens with the transport the endpoint's scheme selects.</summary>
    public ValueTask<IListener> ListenAsync(Endpoint endpoint, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        return Get(endpoint.Scheme).ListenAsync(endpoint, cancellationToken);
    }

    /// <summary>Connects with the transport the endpoint's scheme selects.</summary>
    public ValueTask<IConnection> ConnectAsync(Endpoint endpoint, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        return Get(endpoint.Scheme).ConnectAsync(endpoint, cancellationToken);
    }
}
