using IpcKit.Transports.Internal;
using IpcKit.Transports.Internal.Rings;
using IpcKit.Transports.SharedMemory.Internal;

namespace IpcKit.Transports.SharedMemory;

/// <summary>Settings of <see cref="MmfTransport"/>. The endpoint's query (<c>capacity=</c>, <c>wait=</c>, <c>dir=</c>) overrides them.</summary>
public sealed class MmfTransportOptions : TransportOptions
{
    /// <summary>Bytes of each direction's ring: a power of two from 4 KiB to 1 TiB. The listener's value is used by every connection to it. Default: 4 MiB (8 MiB of memory per connection, both rings).</summary>
    public long Capacity { get; init; } = 4 << 20;

    /// <summary>How this side waits for its peer. Default: <see cref="RingWait.Backoff"/>.</summary>
    public RingWait Wait { get; init; } = RingWait.Backoff;

    /// <summary>Where the shared-memory files are created: a tmpfs. Default: <c>/dev/shm</c>. The endpoint's <c>dir=</c> (an absolute path) overrides it; both sides must use the same.</summary>
    public string Directory { get; init; } = "/dev/shm";

    internal MmfTransportOptions Validated()
    {
        ValidateCommon();
        if (RingLayout.CheckCapacity(Capacity) is { } error)
        {
            throw new ArgumentOutOfRangeException(nameof(Capacity), Capacity, error);
        }

        if (!Enum.IsDefined(Wait))
        {
            throw new ArgumentOutOfRangeException(nameof(Wait), Wait, "Wait must be Spin, Backoff or Block.");
        }

        ArgumentException.ThrowIfNullOrEmpty(Directory);
        return this;
    }
}

/// <summary>
/// Shared memory (<c>mmf://name?capacity=4MiB&amp;wait=backoff&amp;dir=/dev/shm</c>, alias <c>shm://</c>): each connection is one file in
/// /dev/shm holding a lock-free single-producer/single-consumer ring per direction, mapped by both processes. No syscall
/// per message; a futex wakes a sleeping peer. docs/transports.md describes the layout and the rendezvous.
/// </summary>
/// <remarks>
/// Listening creates <c>/dev/shm/ipckit-mmf-NAME</c> (mode 0600), a small rendezvous file; each client creates its own
/// connection file next to it and posts a request there, and the accepting side maps the file and removes it, so
/// nothing is left in /dev/shm once both sides have it mapped. A dead peer is noticed within about 100 ms of waiting,
/// by its pid and start time. A file left by a crashed listener is detected and replaced (never reused); a live one is
/// never taken over.
/// </remarks>
public sealed class MmfTransport : ITransport
{
    private readonly MmfTransportOptions _options;

    /// <summary>Creates the transport with the given settings, or the defaults.</summary>
    public MmfTransport(MmfTransportOptions? options = null) => _options = (options ?? new()).Validated();

    /// <inheritdoc/>
    public string Scheme => "mmf";

    /// <inheritdoc/>
    public IReadOnlyList<string> Aliases => ["shm"];

    /// <inheritdoc/>
    public string Description => "Shared memory: a lock-free SPSC ring per direction in a mapped /dev/shm file, futex wakeups";

    /// <inheritdoc/>
    public Endpoint CreateEphemeralEndpoint(string scratchDirectory) =>
        Endpoint.Create(Scheme, $"e{Environment.ProcessId}-{Guid.NewGuid():N}"[..20]);

    /// <inheritdoc/>
    public ValueTask<IListener> ListenAsync(Endpoint endpoint, CancellationToken cancellationToken = default)
    {
        var settings = MmfSettings.From(endpoint, _options, Scheme);
        return ValueTask.FromResult<IListener>(MmfListener.Start(endpoint, settings));
    }

    /// <summary>
    /// Removes the files that listeners and connecting clients now dead (killed with SIGKILL, or a crash) left in
    /// <see cref="MmfTransportOptions.Directory"/>, or in <paramref name="directory"/>, and returns their paths, so that the
    /// caller can say what it removed. Only what IpcKit provably made goes: a regular file (never a link) named
    /// <c>ipckit-mmf-*</c>, owned by this user, whose header carries an IpcKit magic and the pid and start time of a
    /// process that no longer runs. Anything else, a live listener's file included, is left alone.
    /// </summary>
    /// <param name="directory">The directory to sweep. Default: the options' <see cref="MmfTransportOptions.Directory"/>.</param>
    public IReadOnlyList<string> RemoveStaleFiles(string? directory = null) => ShmFiles.RemoveStale(directory ?? _options.Directory);

    /// <inheritdoc/>
    public async ValueTask<IConnection> ConnectAsync(Endpoint endpoint, CancellationToken cancellationToken = default)
    {
        var settings = MmfSettings.From(endpoint, _options, Scheme);
        // The rendezvous waits on futex words with deadlines: give it a thread of its own rather than block the pool.
        return await Task.Factory.StartNew(
            () => MmfConnector.Connect(endpoint, settings, cancellationToken),
            CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).ConfigureAwait(false);
    }
}
