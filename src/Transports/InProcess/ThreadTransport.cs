using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Threading.Channels;
using IpcKit.Transports.Internal.Rings;
using IpcKit.Transports.SharedMemory;
using IpcKit.Transports.SharedMemory.Internal;

namespace IpcKit.Transports.InProcess;

/// <summary>Settings of <see cref="ThreadTransport"/>. The endpoint's query (<c>capacity=</c>, <c>wait=</c>) overrides them.</summary>
public sealed class ThreadTransportOptions : TransportOptions
{
    /// <summary>Bytes of each direction's ring: a power of two from 4 KiB to 1 TiB. Default: 1 MiB.</summary>
    public long Capacity { get; init; } = 1 << 20;

    /// <summary>How this side waits for its peer, as for <see cref="MmfTransport"/>. Default: <see cref="MmfWait.Backoff"/>.</summary>
    public MmfWait Wait { get; init; } = MmfWait.Backoff;

    internal ThreadTransportOptions Validated()
    {
        ValidateCommon();
        if (RingLayout.CheckCapacity(Capacity) is { } error)
        {
            throw new ArgumentOutOfRangeException(nameof(Capacity), Capacity, error);
        }

        return this;
    }
}

/// <summary>
/// Threads of one process (<c>thread://name</c>): the same lock-free rings as <see cref="MmfTransport"/>, in native
/// memory instead of a mapped file. The in-process baseline that the other transports are compared with. Listeners
/// are found by name in a registry private to the process; a connect needs no accept to complete, like a socket's.
/// </summary>
public sealed class ThreadTransport : IInProcessTransport
{
    private static readonly ConcurrentDictionary<string, Listener> s_listeners = new(StringComparer.Ordinal);
    private readonly ThreadTransportOptions _options;

    /// <summary>Creates the transport with the given settings, or the defaults.</summary>
    public ThreadTransport(ThreadTransportOptions? options = null) => _options = (options ?? new()).Validated();

    /// <inheritdoc/>
    public string Scheme => "thread";

    /// <inheritdoc/>
    public IReadOnlyList<string> Aliases => ["inproc"];

    /// <inheritdoc/>
    public string Description => "Two threads of one process: the mmf rings in native memory (the in-process baseline)";

    /// <inheritdoc/>
    public Endpoint CreateEphemeralEndpoint(string scratchDirectory) => Endpoint.Create(Scheme, "t-" + Guid.NewGuid().ToString("N")[..16]);

    /// <inheritdoc/>
    public ValueTask<IListener> ListenAsync(Endpoint endpoint, CancellationToken cancellationToken = default)
    {
        string name = CheckEndpoint(endpoint);
        var listener = new Listener(endpoint, name);
        if (!s_listeners.TryAdd(name, listener))
        {
            throw new EndpointInUseException($"Cannot listen on {endpoint}: another listener of this process has that name.");
        }

        return ValueTask.FromResult<IListener>(listener);
    }

    /// <inheritdoc/>
    public async ValueTask<IConnection> ConnectAsync(Endpoint endpoint, CancellationToken cancellationToken = default)
    {
        string name = CheckEndpoint(endpoint);
        long capacity = MmfSettings.ParseCapacity(endpoint, _options.Capacity);
        MmfWait wait = MmfSettings.ParseWait(endpoint, _options.Wait);
        var deadline = Stopwatch.GetTimestamp() + (long)(_options.ConnectTimeout.TotalSeconds * Stopwatch.Frequency);
        int delay = 1;
        while (true)
        {
            if (s_listeners.TryGetValue(name, out var listener))
            {
                var (client, server) = CreatePair(endpoint, capacity, wait, listener.Wait ?? wait);
                if (listener.Offer(server))
                {
                    return client;
                }

                server.Dispose();
                client.Dispose();
            }

            if (Stopwatch.GetTimestamp() > deadline)
            {
                throw new EndpointNotFoundException($"Cannot connect to {endpoint}: no listener of that name in this process.");
            }

            await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
            delay = Math.Min(delay * 2, 20);
        }
    }

    private (RingConnection Client, RingConnection Server) CreatePair(Endpoint endpoint, long capacity, MmfWait clientWait, MmfWait serverWait)
    {
        var block = new NativeBlock(2 * RingLayout.ControlSize, capacity);
        return (new RingConnection(endpoint, block.Side(0, clientWait), _options.MaxMessageSize, block.Release),
                new RingConnection(endpoint, block.Side(1, serverWait), _options.MaxMessageSize, block.Release));
    }

    private static string CheckEndpoint(Endpoint endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        if (endpoint.Scheme is not ("thread" or "inproc"))
        {
            throw new ArgumentException($"The thread transport cannot use the endpoint {endpoint}.", nameof(endpoint));
        }

        return MmfSettings.CheckName(endpoint);
    }

    /// <summary>Both rings of one connection in native memory, freed when both sides have let go.</summary>
    private sealed unsafe class NativeBlock
    {
        private readonly byte* _base;
        private readonly long _capacity;
        private int _references = 2;

        public NativeBlock(int controlBytes, long capacity)
        {
            _capacity = capacity;
            _base = (byte*)NativeMemory.AlignedAlloc((nuint)(4096 + (2 * capacity)), 4096);
            NativeMemory.Clear(_base, (nuint)controlBytes);
        }

        /// <summary>Side 0 sends on ring 0 and receives on ring 1; side 1 the other way round.</summary>
        public RingPair Side(int side, MmfWait wait)
        {
            byte* control0 = _base;
            byte* control1 = _base + RingLayout.ControlSize;
            byte* data0 = _base + 4096;
            byte* data1 = data0 + _capacity;
            return side == 0
                ? new RingPair(control0, data0, control1, data1, _capacity, wait, peer: null, processPrivate: true)
                : new RingPair(control1, data1, control0, data0, _capacity, wait, peer: null, processPrivate: true);
        }

        public void Release()
        {
            if (Interlocked.Decrement(ref _references) == 0)
            {
                NativeMemory.AlignedFree(_base);
            }
        }
    }

    private sealed class Listener : IListener
    {
        private readonly Channel<RingConnection> _pending = Channel.CreateUnbounded<RingConnection>();
        private readonly string _name;

        public Listener(Endpoint endpoint, string name)
        {
            Endpoint = endpoint;
            _name = name;
            Wait = endpoint.GetQueryValue("wait") is null ? null : MmfSettings.ParseWait(endpoint, MmfWait.Backoff);
        }

        public Endpoint Endpoint { get; }

        /// <summary>The accepting side's wait strategy, when the listener's endpoint names one.</summary>
        public MmfWait? Wait { get; }

        public bool Offer(RingConnection server) => _pending.Writer.TryWrite(server);

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
            s_listeners.TryRemove(new KeyValuePair<string, Listener>(_name, this));
            _pending.Writer.TryComplete();
            // Connections nobody accepted: their clients see an end of stream.
            while (_pending.Reader.TryRead(out var orphan))
            {
                orphan.Dispose();
            }

            return ValueTask.CompletedTask;
        }
    }
}
