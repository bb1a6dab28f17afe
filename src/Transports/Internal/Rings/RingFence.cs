using System.Runtime.CompilerServices;

namespace IpcKit.Transports.Internal.Rings;

/// <summary>
/// Who pays for the fence that keeps a wakeup from being lost. Each side of a ring publishes its position and then
/// reads the other's "I am going to sleep" flag; the sleeper sets its flag and then re-reads the position. On x86 (and
/// everywhere else) each side's load may overtake its own store, so without a full fence on both sides both can miss
/// each other, and the sleeper sleeps on data that is already there.
/// </summary>
/// <remarks>
/// <para>A full fence after every publish costs a cross-core round trip (the store to the position word has to reach
/// the other core first), which caps a ring at a few million messages a second. The sleeper is the side that can
/// afford it: it is about to make a syscall anyway. So when it can, the sleeper issues a barrier that runs on the
/// publisher's CPU as well (an asymmetric fence), and the publisher stores with no fence at all:</para>
/// <list type="bullet">
/// <item>Threads of one process: <see cref="Interlocked.MemoryBarrierProcessWide"/>.</item>
/// <item>Two processes: membarrier(2) with MEMBARRIER_CMD_GLOBAL_EXPEDITED, which reaches every process registered
/// for it. A side that is registered says so in its half of the ring's control block (<see
/// cref="RingLayout.ProducerBarriers"/>, <see cref="RingLayout.ConsumerBarriers"/>) before it ever sleeps.</item>
/// </list>
/// <para>A publisher skips its fence only when it is itself reachable by such a barrier and the sleeper has said that
/// it issues one; in every other case (an old kernel, seccomp, <c>IPCKIT_MEMBARRIER=0</c> on either side) both sides
/// fence, as before. The argument: the barrier runs on the publisher's CPU at some instant. If the publisher's position
/// store came before that instant, the sleeper's re-read sees it. If it came after, the publisher's flag read comes
/// later still and sees the flag, which the sleeper set before the barrier.</para>
/// </remarks>
internal static class RingFence
{
    /// <summary>Whether this side can make a fence-free publisher safe, and be one (see the class remarks).</summary>
    public static bool Asymmetric(bool processPrivate) => processPrivate || Libc.GlobalBarrierReady;

    /// <summary>
    /// Runs between setting this side's sleeping flag and re-reading the peer's position. Returns false if the
    /// barrier could not be made: then a wakeup may be missed, and the caller sleeps only briefly.
    /// </summary>
    public static bool BeforeSleep(bool processPrivate)
    {
        if (processPrivate)
        {
            Interlocked.MemoryBarrierProcessWide();
            return true;
        }

        if (Libc.GlobalBarrierReady)
        {
            if (Libc.GlobalBarrier())
            {
                return true;
            }

            Interlocked.MemoryBarrier();
            return false;
        }

        Interlocked.MemoryBarrier();
        return true;
    }
}

/// <summary>
/// The publishing half of the wakeup protocol, for one side of one ring: after each store of this side's position,
/// a store-load fence (unless the peer has said it fences for both of us before it sleeps, see <see cref="RingFence"/>),
/// then a futex wake if the peer sleeps on that position. Constructing it announces this side's own barrier.
/// </summary>
internal unsafe struct WakeupPublisher
{
    private readonly ulong* _position;
    private readonly uint* _peerWaiting;
    private readonly uint* _peerBarriers;
    private readonly bool _asymmetric;
    private readonly bool _processPrivate;
    private bool _fenceFree;

    /// <param name="position">This side's position word, which the peer sleeps on.</param>
    /// <param name="peerWaiting">The peer's flag, set while it sleeps on <paramref name="position"/>.</param>
    /// <param name="peerBarriers">The peer's word saying it barriers our CPU before it sleeps.</param>
    /// <param name="ownBarriers">This side's such word, set here when this process can.</param>
    /// <param name="processPrivate">Whether the ring is private to this process.</param>
    public WakeupPublisher(ulong* position, uint* peerWaiting, uint* peerBarriers, uint* ownBarriers, bool processPrivate)
    {
        _position = position;
        _peerWaiting = peerWaiting;
        _peerBarriers = peerBarriers;
        _processPrivate = processPrivate;
        _asymmetric = RingFence.Asymmetric(processPrivate);
        if (_asymmetric)
        {
            Volatile.Write(ref *ownBarriers, 1u);
        }
    }

    /// <summary>True once publishing has gone fence-free (the peer fences for both sides before it sleeps).</summary>
    public readonly bool FenceFree => _fenceFree;

    /// <summary>Call right after the release store of the position.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Published()
    {
        // The peer sets its waiting flag, fences, then re-reads our position; with a fence here too, at least one of
        // the two sees the other's store, so a wakeup is never lost. Once the peer barriers for both, ours is skipped.
        if (!_fenceFree && !(_fenceFree = _asymmetric && Volatile.Read(ref *_peerBarriers) != 0))
        {
            Interlocked.MemoryBarrier();
        }

        if (Volatile.Read(ref *_peerWaiting) != 0)
        {
            Libc.FutexWakeAll((uint*)_position, _processPrivate);
        }
    }
}
