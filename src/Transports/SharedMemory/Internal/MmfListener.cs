using System.Diagnostics;
using IpcKit.Transports.Internal;
using IpcKit.Transports.Internal.Rings;

namespace IpcKit.Transports.SharedMemory.Internal;

/// <summary>
/// Owns the rendezvous file <c>ipckit-mmf-NAME</c>: clients post requests in its slots, and accepting maps the
/// connection file a request names, stamps this process in it, removes it and marks it accepted.
/// </summary>
internal sealed class MmfListener : IListener
{
    private readonly ShmSegment _segment;
    private readonly MmfSettings _settings;
    private int _disposed;
    private int _activeAccepts;

    private MmfListener(Endpoint endpoint, ShmSegment segment, MmfSettings settings)
    {
        Endpoint = endpoint;
        _segment = segment;
        _settings = settings;
    }

    public Endpoint Endpoint { get; }

    /// <inheritdoc/>
    public bool ReplacedStaleEndpoint { get; private init; }

    private unsafe uint* RequestSequence => (uint*)(_segment.Base + SegmentLayout.RequestSequence);

    public unsafe static MmfListener Start(Endpoint endpoint, MmfSettings settings)
    {
        long need = SegmentLayout.ConnectionFileSize(settings.Capacity);
        long free = new DriveInfo(settings.Directory).AvailableFreeSpace;
        if (need > free)
        {
            throw new IpcException(
                $"Cannot listen on {endpoint}: each connection needs {ByteSize.Format(need)} in {settings.Directory}, which has {ByteSize.Format(free)} free. Choose a smaller capacity.");
        }

        string path = SegmentLayout.ListenerFile(settings.Directory, settings.Name);
        bool replaced = false;
        var deadline = Stopwatch.GetTimestamp() + Stopwatch.Frequency * 2;
        ShmSegment? segment;
        for (int attempt = 0; (segment = ShmSegment.TryCreate(path, SegmentLayout.ListenerFileSize, $"listening on {endpoint}")) is null; attempt++)
        {
            if (ShmFiles.Foreign(path) is { } foreign)
            {
                // Not ours to judge, reuse or remove, whether its owner lives or not (issue 12).
                throw new EndpointInUseException(
                    $"Cannot listen on {endpoint}: {foreign}. IpcKit never takes over or removes another user's file; choose another name or directory, or have its owner remove it.");
            }

            var header = ShmSegment.Peek(path);
            switch (header.Kind)
            {
                case HeaderKind.IpcKit when header.Owner.IsAlive() && header.State != SegmentLayout.ListenerClosed:
                    throw new EndpointInUseException(
                        $"Cannot listen on {endpoint}: process {header.Owner.Pid} is listening there ({path}). Stop it or choose another name.");
                case HeaderKind.Foreign:
                    throw new EndpointInUseException(
                        $"Cannot listen on {endpoint}: {path} is not an IpcKit listener file, and IpcKit leaves it alone. Remove it or choose another name.");
                case HeaderKind.Unreadable:
                    throw new IpcException($"Cannot listen on {endpoint}: {path} exists and this process may not read it (permission denied).");
                case HeaderKind.Incomplete when Stopwatch.GetTimestamp() < deadline && IsYoung(path):
                    // Being created this instant by someone else, or left half-made by a crash: give it a moment to tell.
                    Thread.Sleep(20);
                    continue;
            }

            // Its owner is dead (or never finished creating it): a leftover from a crashed run. Never reuse its
            // contents: remove it and make a fresh one, and say so.
            if (!ShmSegment.TryUnlink(path, out string? error) || attempt > 50)
            {
                throw new IpcException($"Cannot listen on {endpoint}: {path} was left by a listener that is gone, and cannot be removed ({error ?? "it keeps coming back"}).");
            }

            replaced = true;
        }

        byte* b = segment.Base;
        *(int*)(b + SegmentLayout.OwnerPid) = ProcessIdentity.Current.Pid;
        *(ulong*)(b + SegmentLayout.OwnerStart) = ProcessIdentity.Current.StartTime;
        *(uint*)(b + SegmentLayout.VersionField) = SegmentLayout.Version;
        *(ulong*)(b + SegmentLayout.Capacity) = (ulong)settings.Capacity;
        *(uint*)(b + SegmentLayout.State) = SegmentLayout.Listening;
        Volatile.Write(ref *(ulong*)(b + SegmentLayout.Magic), SegmentLayout.ListenerMagic);
        RemoveDeadConnectionFiles(settings);
        return new MmfListener(endpoint, segment, settings) { ReplacedStaleEndpoint = replaced };
    }

    public async ValueTask<IConnection?> AcceptAsync(CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _activeAccepts);
        try
        {
            if (Volatile.Read(ref _disposed) != 0)
            {
                return null;
            }

            cancellationToken.ThrowIfCancellationRequested();
            if (TryAcceptOne() is { } ready)
            {
                return ready;
            }

            return await Task.Factory.StartNew(
                () => AcceptBlocking(cancellationToken), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).ConfigureAwait(false);
        }
        finally
        {
            Interlocked.Decrement(ref _activeAccepts);
        }
    }

    public unsafe ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return ValueTask.CompletedTask;
        }

        // Tell clients (they watch the state while waiting), remove the name, wake pending accepts.
        Volatile.Write(ref *(uint*)(_segment.Base + SegmentLayout.State), SegmentLayout.ListenerClosed);
        ShmSegment.Unlink(_segment.Path);
        Interlocked.Increment(ref *RequestSequence);
        Libc.FutexWakeAll(RequestSequence, processPrivate: false);
        var deadline = Stopwatch.GetTimestamp() + Stopwatch.Frequency * 2;
        while (Volatile.Read(ref _activeAccepts) != 0 && Stopwatch.GetTimestamp() < deadline)
        {
            Thread.Sleep(1);
        }

        if (Volatile.Read(ref _activeAccepts) == 0)
        {
            _segment.Dispose();
        }

        return ValueTask.CompletedTask;
    }

    private unsafe RingConnection? AcceptBlocking(CancellationToken cancellationToken)
    {
        using var registration = cancellationToken.UnsafeRegister(static s => ((MmfListener)s!).Wake(), this);
        while (true)
        {
            if (Volatile.Read(ref _disposed) != 0)
            {
                return null;
            }

            cancellationToken.ThrowIfCancellationRequested();
            uint sequence = Volatile.Read(ref *RequestSequence);
            if (TryAcceptOne() is { } connection)
            {
                return connection;
            }

            Libc.FutexWait(RequestSequence, sequence, RingWaiter.SliceMilliseconds, processPrivate: false);
        }
    }

    private unsafe void Wake() => Libc.FutexWakeAll(RequestSequence, processPrivate: false);

    private unsafe RingConnection? TryAcceptOne()
    {
        for (int i = 0; i < SegmentLayout.SlotCount; i++)
        {
            byte* slot = _segment.Base + SegmentLayout.SlotsOffset + (i * SegmentLayout.SlotSize);
            uint state = Volatile.Read(ref *(uint*)(slot + SegmentLayout.SlotState));
            if (state == SegmentLayout.SlotClaimed)
            {
                ReclaimIfClaimerDied(slot);
                continue;
            }

            if (state != SegmentLayout.SlotPosted)
            {
                continue;
            }

            var client = new ProcessIdentity(*(int*)(slot + SegmentLayout.SlotPid), *(ulong*)(slot + SegmentLayout.SlotStart));
            ulong id = *(ulong*)(slot + SegmentLayout.SlotId);
            // Free the slot; a client that withdrew its request got there first.
            if (Interlocked.CompareExchange(ref *(uint*)(slot + SegmentLayout.SlotState), SegmentLayout.SlotFree, SegmentLayout.SlotPosted) == SegmentLayout.SlotPosted
                && TryAttach(client, id) is { } connection)
            {
                return connection;
            }
        }

        return null;
    }

    /// <summary>Frees a slot whose client died between claiming it and posting its request (the pid came with the claim).</summary>
    private static unsafe void ReclaimIfClaimerDied(byte* slot)
    {
        ulong* stateAndPid = (ulong*)(slot + SegmentLayout.SlotState);
        ulong seen = Volatile.Read(ref *stateAndPid);
        int pid = (int)(seen >> 32);
        if ((uint)seen == SegmentLayout.SlotClaimed && pid > 0 && !new ProcessIdentity(pid, 0).IsAlive())
        {
            Interlocked.CompareExchange(ref *stateAndPid, SegmentLayout.SlotFree, seen);
        }
    }

    private unsafe RingConnection? TryAttach(ProcessIdentity client, ulong id)
    {
        string path = SegmentLayout.ConnectionFile(_settings.Directory, _settings.Name, client.Pid, id);
        var segment = ShmSegment.TryOpen(path, SegmentLayout.ConnectionFileSize(RingLayout.MinCapacity));
        if (segment is null)
        {
            return null; // the client gave up and removed it
        }

        byte* b = segment.Base;
        long capacity = (long)*(ulong*)(b + SegmentLayout.Capacity);
        var owner = new ProcessIdentity(*(int*)(b + SegmentLayout.OwnerPid), *(ulong*)(b + SegmentLayout.OwnerStart));
        bool valid = Volatile.Read(ref *(ulong*)(b + SegmentLayout.Magic)) == SegmentLayout.ConnectionMagic
                     && *(uint*)(b + SegmentLayout.VersionField) == SegmentLayout.Version
                     && RingLayout.CheckCapacity(capacity) is null
                     && segment.Length == SegmentLayout.ConnectionFileSize(capacity)
                     && owner == client;
        if (!valid || !client.IsAlive())
        {
            segment.Dispose();
            if (!client.IsAlive())
            {
                ShmSegment.Unlink(path);
            }

            return null;
        }

        *(int*)(b + SegmentLayout.PeerPid) = ProcessIdentity.Current.Pid;
        *(ulong*)(b + SegmentLayout.PeerStart) = ProcessIdentity.Current.StartTime;
        // Both sides have it mapped from here on: the name is no longer needed.
        ShmSegment.Unlink(path);
        uint* state = (uint*)(b + SegmentLayout.State);
        if (Interlocked.CompareExchange(ref *state, SegmentLayout.Accepted, SegmentLayout.Offered) != SegmentLayout.Offered)
        {
            segment.Dispose(); // abandoned: the client timed out or was cancelled
            return null;
        }

        Libc.FutexWakeAll(state, processPrivate: false);
        var rings = new RingPair(
            b + SegmentLayout.ServerToClientControl, b + SegmentLayout.RingDataOffset + capacity,
            b + SegmentLayout.ClientToServerControl, b + SegmentLayout.RingDataOffset,
            capacity, _settings.Wait, client, processPrivate: false);
        return new RingConnection(Endpoint, rings, _settings.MaxMessageSize, segment.Dispose);
    }

    private static bool IsYoung(string path)
    {
        try
        {
            return DateTime.UtcNow - File.GetLastWriteTimeUtc(path) < TimeSpan.FromSeconds(2);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>Connection files of clients that died before being accepted (under a crashed listener) go too.</summary>
    private static void RemoveDeadConnectionFiles(MmfSettings settings)
    {
        string prefix = Path.GetFileName(SegmentLayout.ListenerFile(settings.Directory, settings.Name)) + ".";
        try
        {
            foreach (string file in Directory.EnumerateFiles(settings.Directory, prefix + "*"))
            {
                if (ShmFiles.Foreign(file) is null && ShmSegment.PeekHeader(file) is { } h && !h.Owner.IsAlive())
                {
                    ShmSegment.Unlink(file);
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }
}
