using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Threading.Channels;
using IpcKit.Transports.InProcess.Internal;
using IpcKit.Transports.Internal;
using IpcKit.Transports.Internal.Rings;
using IpcKit.Transports.SharedMemory.Internal;

namespace IpcKit.Transports.InProcess;

/// <summary>Settings of <see cref="ThreadTransport"/>. The endpoint's query (<c>capacity=</c>, <c>wait=</c>) overrides them.</summary>
public sealed class ThreadTransportOptions : TransportOptions
{
    /// <summary>Bytes of each direction's ring: a power of two from 4 KiB to 1 TiB. Default: 4 MiB (8 MiB of memory per connection, both rings).</summary>
    public long Capacity { get; init; } = 4 << 20;

    /// <summary>How this side waits for its peer, as for <see cref="SharedMemory.MmfTransport"/>. Default: <see cref="RingWait.Backoff"/>.</summary>
    public RingWait Wait { get; init; } = RingWait.Backoff;

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
/// Threads of one process (<c>thread://name</c>): the same lock-free rings as <see cref="SharedMemory.MmfTransport"/>, in native
/// memory instead of a mapped file. The in-process baseline that the other transports are compared with. Listeners
/// are found by name in a registry private to the process; a connect needs no accept to complete, like a socket's.
/// </summary>
public sealed class ThreadTransport : IInProcessTransport
{
    private static InProcessRendezvous Rendezvous => InProcessRendezvous.For("thread", "inproc");
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
        CheckEndpoint(endpoint);
        return ValueTask.FromResult(Rendezvous.Listen(endpoint));
    }

    /// <inheritdoc/>
    public ValueTask<IConnection> ConnectAsync(Endpoint endpoint, CancellationToken cancellationToken = default)
    {
        CheckEndpoint(endpoint);
        long capacity = MmfSettings.ParseCapacity(endpoint, _options.Capacity);
        RingWait wait = MmfSettings.ParseWait(endpoint, _options.Wait);
        // The accepting side waits the way the listener's endpoint says, if it says.
        return Rendezvous.ConnectAsync(endpoint, _options.ConnectTimeout, listenerEndpoint =>
        {
            RingWait serverWait = listenerEndpoint.GetQueryValue("wait") is null ? wait : MmfSettings.ParseWait(listenerEndpoint, RingWait.Backoff);
            return CreatePair(endpoint, capacity, wait, serverWait);
        }, cancellationToken);
    }

    private (IConnection Client, IConnection Server) CreatePair(Endpoint endpoint, long capacity, RingWait clientWait, RingWait serverWait)
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
            // A ring needs only its first header word zeroed (RingLayout); the rest is written before it is read.
            NativeMemory.Clear(_base + 4096, (nuint)RingLayout.Terminator);
            NativeMemory.Clear(_base + 4096 + capacity, (nuint)RingLayout.Terminator);
        }

        /// <summary>Side 0 sends on ring 0 and receives on ring 1; side 1 the other way round.</summary>
        public RingPair Side(int side, RingWait wait)
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
}
