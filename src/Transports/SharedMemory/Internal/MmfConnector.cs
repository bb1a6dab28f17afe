using System.Diagnostics;
using IpcKit.Transports.Internal;
using IpcKit.Transports.Internal.Rings;

namespace IpcKit.Transports.SharedMemory.Internal;

/// <summary>
/// The client's half of the rendezvous: create a connection file, post a request in a free slot of the listener's
/// file, and wait until the listener marks the file accepted. Every exit that is not a connection removes the file.
/// </summary>
internal static unsafe class MmfConnector
{
    private const int PollMilliseconds = 20;
    private static long s_nextId;

    public static RingConnection Connect(Endpoint endpoint, MmfSettings settings, CancellationToken cancellationToken)
    {
        long deadline = Stopwatch.GetTimestamp() + (long)(settings.ConnectTimeout.TotalSeconds * Stopwatch.Frequency);
        using var listener = OpenListener(endpoint, settings, deadline, cancellationToken);
        byte* l = listener.Base;
        long capacity = (long)*(ulong*)(l + SegmentLayout.Capacity);
        var server = new ProcessIdentity(*(int*)(l + SegmentLayout.OwnerPid), *(ulong*)(l + SegmentLayout.OwnerStart));
        if (RingLayout.CheckCapacity(capacity) is { } error)
        {
            throw new ProtocolViolationException($"The listener at {endpoint} announces an impossible ring: {error}");
        }

        var me = ProcessIdentity.Current;
        ulong id = (ulong)Interlocked.Increment(ref s_nextId);
        string path = SegmentLayout.ConnectionFile(settings.Directory, settings.Name, me.Pid, id);
        // A file of that name can only be left by an earlier process that had our pid: it is dead, remove it.
        var segment = ShmSegment.TryCreate(path, SegmentLayout.ConnectionFileSize(capacity), $"connecting to {endpoint}");
        if (segment is null)
        {
            ShmSegment.Unlink(path);
            segment = ShmSegment.TryCreate(path, SegmentLayout.ConnectionFileSize(capacity), $"connecting to {endpoint}")
                      ?? throw new IpcException($"Cannot create '{path}' to connect to {endpoint}: the name keeps being taken.");
        }

        byte* b = segment.Base;
        uint* state = (uint*)(b + SegmentLayout.State);
        byte* slot = null;
        try
        {
            *(int*)(b + SegmentLayout.OwnerPid) = me.Pid;
            *(ulong*)(b + SegmentLayout.OwnerStart) = me.StartTime;
            *(uint*)(b + SegmentLayout.VersionField) = SegmentLayout.Version;
            *(ulong*)(b + SegmentLayout.Capacity) = (ulong)capacity;
            *state = SegmentLayout.Offered;
            Volatile.Write(ref *(ulong*)(b + SegmentLayout.Magic), SegmentLayout.ConnectionMagic);

            slot = Post(listener, me, id, endpoint, server, deadline, cancellationToken);
            while (Volatile.Read(ref *state) != SegmentLayout.Accepted)
            {
                CheckWaiting(listener, endpoint, server, deadline, "accept the connection", cancellationToken);
                Libc.FutexWait(state, SegmentLayout.Offered, PollMilliseconds, processPrivate: false);
            }
        }
        catch (Exception) when (Abandon(segment, state, slot, id, endpoint, settings, server))
        {
            throw; // never reached: Abandon returns false
        }

        ShmSegment.Unlink(path); // the server did already; this is for certainty
        var peer = new ProcessIdentity(*(int*)(b + SegmentLayout.PeerPid), *(ulong*)(b + SegmentLayout.PeerStart));
        return new RingConnection(endpoint, Rings(b, capacity, settings.Wait, peer), settings.MaxMessageSize, segment.Dispose);
    }

    private static RingPair Rings(byte* b, long capacity, RingWait wait, ProcessIdentity peer) => new(
        b + SegmentLayout.ClientToServerControl, b + SegmentLayout.RingDataOffset,
        b + SegmentLayout.ServerToClientControl, b + SegmentLayout.RingDataOffset + capacity,
        capacity, wait, peer, processPrivate: false);

    /// <summary>Undoes a connect that failed part way; false, so that the exception filter lets the error through.</summary>
    private static bool Abandon(ShmSegment segment, uint* state, byte* slot, ulong id, Endpoint endpoint, MmfSettings settings, ProcessIdentity server)
    {
        if (slot != null && *(ulong*)(slot + SegmentLayout.SlotId) == id)
        {
            Interlocked.CompareExchange(ref *(uint*)(slot + SegmentLayout.SlotState), SegmentLayout.SlotFree, SegmentLayout.SlotPosted);
        }

        ShmSegment.Unlink(segment.Path);
        if (Interlocked.CompareExchange(ref *state, SegmentLayout.Abandoned, SegmentLayout.Offered) == SegmentLayout.Accepted)
        {
            // Accepted just as we gave up: close it properly, so the server sees an end of stream rather than silence.
            new RingConnection(endpoint, Rings(segment.Base, (long)*(ulong*)(segment.Base + SegmentLayout.Capacity), settings.Wait, server),
                settings.MaxMessageSize, segment.Dispose).Dispose();
        }
        else
        {
            segment.Dispose();
        }

        return false;
    }

    private static ShmSegment OpenListener(Endpoint endpoint, MmfSettings settings, long deadline, CancellationToken cancellationToken)
    {
        string path = SegmentLayout.ListenerFile(settings.Directory, settings.Name);
        string why = "no listener file";
        int delay = 1;
        while (true)
        {
            if (ShmSegment.TryOpen(path, SegmentLayout.ListenerFileSize, out var failure) is { } segment)
            {
                byte* b = segment.Base;
                var owner = new ProcessIdentity(*(int*)(b + SegmentLayout.OwnerPid), *(ulong*)(b + SegmentLayout.OwnerStart));
                if (Volatile.Read(ref *(ulong*)(b + SegmentLayout.Magic)) != SegmentLayout.ListenerMagic)
                {
                    why = "the listener file is not complete, or not an IpcKit listener";
                }
                else if (*(uint*)(b + SegmentLayout.VersionField) != SegmentLayout.Version)
                {
                    segment.Dispose();
                    throw new EndpointNotFoundException($"Cannot connect to {endpoint}: the listener speaks version {*(uint*)(b + SegmentLayout.VersionField)} of the protocol, this side {SegmentLayout.Version}.");
                }
                else if (!owner.IsAlive())
                {
                    // The magic is written last, so this file was complete: its listener is gone for good, and waiting
                    // cannot help (issue 12). A new listener replaces such a file before it is reachable.
                    segment.Dispose();
                    throw new EndpointNotFoundException(
                        $"Cannot connect to {endpoint}: the listener file {path} was left by process {owner.Pid}, which is dead (a stale file from a crashed run). Start the listener again; it replaces the file.");
                }
                else if (Volatile.Read(ref *(uint*)(b + SegmentLayout.State)) == SegmentLayout.Listening)
                {
                    return segment;
                }
                else
                {
                    why = "the listener is closing";
                }

                segment.Dispose();
            }
            else if (failure == OpenFailure.Denied)
            {
                throw new EndpointNotFoundException(
                    $"Cannot connect to {endpoint}: the listener file {path} exists but this process may not open it (permission denied{(ShmFiles.Foreign(path) is { } whose ? "; " + whose : "")}). Listeners admit only their own user.");
            }
            else
            {
                why = failure switch
                {
                    OpenFailure.Empty => "the listener file is empty (0 bytes): a listener is creating it, or crashed while creating it",
                    OpenFailure.TooShort => "the listener file is shorter than a listener file: a listener is creating it, or it is not an IpcKit listener",
                    _ => "no listener file",
                };
            }

            if (Stopwatch.GetTimestamp() > deadline)
            {
                throw new EndpointNotFoundException($"Cannot connect to {endpoint} within {settings.ConnectTimeout.TotalSeconds:0.###} s: {why} ({path}).");
            }

            cancellationToken.ThrowIfCancellationRequested();
            Thread.Sleep(delay);
            delay = Math.Min(delay * 2, PollMilliseconds);
        }
    }

    private static byte* Post(ShmSegment listener, ProcessIdentity me, ulong id, Endpoint endpoint, ProcessIdentity server, long deadline, CancellationToken cancellationToken)
    {
        byte* l = listener.Base;
        while (true)
        {
            for (int i = 0; i < SegmentLayout.SlotCount; i++)
            {
                byte* slot = l + SegmentLayout.SlotsOffset + (i * SegmentLayout.SlotSize);
                uint* slotState = (uint*)(slot + SegmentLayout.SlotState);
                // State and pid are claimed in one step, so that a client dying right after the claim leaves its pid
                // behind and the listener can take the slot back (the pid half of a free slot may be stale).
                ulong* stateAndPid = (ulong*)(slot + SegmentLayout.SlotState);
                ulong seen = Volatile.Read(ref *stateAndPid);
                ulong claimed = SegmentLayout.SlotClaimed | ((ulong)(uint)me.Pid << 32);
                if ((uint)seen == SegmentLayout.SlotFree && Interlocked.CompareExchange(ref *stateAndPid, claimed, seen) == seen)
                {
                    *(ulong*)(slot + SegmentLayout.SlotStart) = me.StartTime;
                    *(ulong*)(slot + SegmentLayout.SlotId) = id;
                    Volatile.Write(ref *slotState, SegmentLayout.SlotPosted);
                    uint* sequence = (uint*)(l + SegmentLayout.RequestSequence);
                    Interlocked.Increment(ref *sequence);
                    Libc.FutexWakeAll(sequence, processPrivate: false);
                    return slot;
                }
            }

            // Every slot holds a request not yet accepted: wait for the listener to take some.
            CheckWaiting(listener, endpoint, server, deadline, "take a request (all its slots are busy)", cancellationToken);
            Thread.Sleep(1);
        }
    }

    private static void CheckWaiting(ShmSegment listener, Endpoint endpoint, ProcessIdentity server, long deadline, string what, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (Volatile.Read(ref *(uint*)(listener.Base + SegmentLayout.State)) != SegmentLayout.Listening)
        {
            throw new EndpointNotFoundException($"Cannot connect to {endpoint}: the listener closed before it accepted.");
        }

        if (!server.IsAlive())
        {
            throw new EndpointNotFoundException($"Cannot connect to {endpoint}: the listening process {server.Pid} died before it accepted.");
        }

        if (Stopwatch.GetTimestamp() > deadline)
        {
            throw new EndpointNotFoundException($"Cannot connect to {endpoint}: the listener did not {what} in time.");
        }
    }
}
