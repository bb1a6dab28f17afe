using System.Collections.Concurrent;
using System.Threading.Channels;

namespace IpcKit.Transports.InProcess.Internal;

/// <summary>
/// Listen and connect by name inside one process, for in-process transports whose connections come in pairs: the
/// connecting side builds both ends and offers the accepting end to the listener of that name. Names are process-wide
/// per transport, whichever instance of the transport listens or connects.
/// </summary>
internal sealed class InProcessRendezvous
{
    private static readonly ConcurrentDictionary<string, InProcessRendezvous> s_byScheme = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Listener> _listeners = new(StringComparer.Ordinal);
    private readonly string[] _schemes;

    private InProcessRendezvous(string[] schemes) => _schemes = schemes;

    /// <summary>The rendezvous of a transport: its scheme first, then its aliases.</summary>
    public static InProcessRendezvous For(params string[] schemes) => s_byScheme.GetOrAdd(schemes[0], _ => new InProcessRendezvous(schemes));

    public IListener Listen(Endpoint endpoint)
    {
        string name = CheckName(endpoint);
        var listener = new Listener(endpoint, name, this);
        return _listeners.TryAdd(name, listener)
            ? listener
            : throw new EndpointInUseException($"Cannot listen on {endpoint}: another listener of this process has that name.");
    }

    /// <summary>Connects to the listener of the endpoint's name, retrying until it exists or the timeout passes.</summary>
    /// <param name="endpoint">The endpoint to connect to.</param>
    /// <param name="timeout">How long to wait for a listener of that name.</param>
    /// <param name="createPair">Builds both ends, given the endpoint the listener was bound with (it may carry settings).</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    public async ValueTask<IConnection> ConnectAsync(Endpoint endpoint, TimeSpan timeout, Func<Endpoint, (IConnection Client, IConnection Server)> createPair, CancellationToken cancellationToken)
    {
        string name = CheckName(endpoint);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        int delay = 1;
        while (true)
        {
            if (_listeners.TryGetValue(name, out var listener))
            {
                var (client, server) = createPair(listener.Endpoint);
                if (listener.Offer(server))
                {
                    return client;
                }

                server.Dispose();
                client.Dispose();
            }

            try
            {
                await Task.Delay(delay, deadline.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new EndpointNotFoundException($"Cannot connect to {endpoint}: no listener of that name in this process within {timeout.TotalSeconds:0.###} s.");
            }

            delay = Math.Min(delay * 2, 20);
        }
    }

    private string CheckName(Endpoint endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        if (!_schemes.Contains(endpoint.Scheme))
        {
            throw new ArgumentException($"The {_schemes[0]} transport cannot use the endpoint {endpoint}.", nameof(endpoint));
        }

        string name = endpoint.Address.Trim('/');
        return name.Length > 0 ? name : throw new ArgumentException($"The endpoint {endpoint} needs a name, for example {_schemes[0]}://demo.", nameof(endpoint));
    }

    private sealed class Listener(Endpoint endpoint, string name, InProcessRendezvous owner) : IListener
    {
        private readonly Channel<IConnection> _pending = Channel.CreateUnbounded<IConnection>();

        public Endpoint Endpoint { get; } = endpoint;

        public bool Offer(IConnection server) => _pending.Writer.TryWrite(server);

        public async ValueTask<IConnection?> AcceptAsync(CancellationToken cancellationToken = default)
        {
            try
            {
                return await _pending.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (ChannelClosedException)
            {
                return null;
            }
        }

        public ValueTask DisposeAsync()
        {
            owner._listeners.TryRemove(new KeyValuePair<string, Listener>(name, this));
            _pending.Writer.TryComplete();
            while (_pending.Reader.TryRead(out var orphan))
            {
                orphan.Dispose(); // its client sees an end of stream
            }

            return ValueTask.CompletedTask;
        }
    }
}
