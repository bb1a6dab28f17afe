using System.Diagnostics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;
using IpcKit.Transports.Connections;

namespace IpcKit.Transports.Internal.Rings;

/// <summary>Why a wait on a ring ended. The caller re-examines the ring in every case.</summary>
internal enum WaitOutcome
{
    Changed,
    PeerClosed,
    PeerDead,
    Stopped,
    Cancelled,
    /// <summary>A spin-only wait ran its course without a change.</summary>
    SpunOut,
}

/// <summary>
/// Waits for the other side to move a position word: by spinning, by spinning then yielding then sleeping, or by
/// sleeping on the futex at once (<see cref="RingWait"/>). Every wait runs in slices of
/// <see cref="SliceMilliseconds"/>; between slices it checks that the peer process still lives, so a dead peer ends
/// a wait within about that long instead of hanging it.
/// </summary>
internal sealed unsafe class RingWaiter
{
    public const int SliceMilliseconds = 100;
    // Long enough to catch a handoff from another CPU (well under 1 µs here), short enough that a peer waiting for
    // this CPU is not starved for long before the first yield (two spins per round trip when both share a CPU).
    private const long BackoffSpinMicroseconds = 4;
    private const long BackoffYieldMicroseconds = 500;

    private static readonly long s_ticksPerMicrosecond = Math.Max(1, Stopwatch.Frequency / 1_000_000);
    private static readonly long s_sliceTicks = Stopwatch.Frequency * SliceMilliseconds / 1000;

    private readonly RingWait _mode;
    private readonly ulong* _word;
    private readonly uint* _waitingFlag;
    private readonly uint* _peerClosed;
    private readonly ProcessIdentity? _peer;
    private readonly bool _processPrivate;
    private readonly ConnectionCore _stop;
    private readonly RingReader? _records;

    /// <param name="mode">How to wait.</param>
    /// <param name="word">The other side's position.</param>
    /// <param name="waitingFlag">This side's flag, set while it sleeps on <paramref name="word"/>.</param>
    /// <param name="peerClosed">The other side's closed flag.</param>
    /// <param name="peer">The peer process, checked between slices; null when it is this process.</param>
    /// <param name="processPrivate">Whether the memory is private to this process (a cheaper futex).</param>
    /// <param name="stop">This side's abort/dispose flag.</param>
    /// <param name="records">
    /// For a consumer: its reader, whose next header word is polled instead of <paramref name="word"/> (the write
    /// position), so a spinning consumer watches the cache line the next record lands in (see <see cref="RingLayout"/>).
    /// The futex sleep stays on the write position, which the producer stores after the header.
    /// </param>
    public RingWaiter(RingWait mode, ulong* word, uint* waitingFlag, uint* peerClosed, ProcessIdentity? peer, bool processPrivate, ConnectionCore stop, RingReader? records = null)
    {
        _records = records;
        _mode = mode;
        _word = word;
        _waitingFlag = waitingFlag;
        _peerClosed = peerClosed;
        _peer = peer;
        _processPrivate = processPrivate;
        _stop = stop;
    }

    /// <summary>Wakes a wait of this side on the word (used by abort, dispose and cancellation).</summary>
    public void WakeSelf() => Libc.FutexWakeAll((uint*)_word, _processPrivate);

    /// <summary>Waits until the word differs from <paramref name="observed"/>, or another reason to stop comes up.</summary>
    /// <param name="observed">The value at which the ring looked full or empty.</param>
    /// <param name="cancellationToken">Checked throughout; the canceller should call <see cref="WakeSelf"/>.</param>
    /// <param name="spinOnly">Spin for at most the backoff spin time and return <see cref="WaitOutcome.SpunOut"/> when nothing happened (the async fast path).</param>
    public WaitOutcome Wait(ulong observed, CancellationToken cancellationToken, bool spinOnly = false)
    {
        long start = Stopwatch.GetTimestamp();
        long nextCheck = start + s_sliceTicks;
        long now = start;
        for (int i = 0; ; i++)
        {
            // Every poll looks for the record (or position) it waits on; the peer's closed flag and this side's stop
            // and cancellation only every 16th. The closed flag shares a cache line with the position the peer
            // stores after every record, so reading it on every poll pulled that line across cores each time and
            // made the peer's store wait for it, and with it the peer's next record (stores become visible in order).
            if (Moved(observed))
            {
                return WaitOutcome.Changed;
            }

            if ((i & 15) == 0 && Ended(cancellationToken) is { } outcome)
            {
                return outcome;
            }

            // The clock is read only every few polls while spinning: on a VM it costs about as much as a handoff
            // between cores (tens of ns), and read on every poll it delayed noticing each record by about that much.
            if ((i & 15) == 0 || _mode == RingWait.Block)
            {
                now = Stopwatch.GetTimestamp();
            }

            long elapsedMicroseconds = (now - start) / s_ticksPerMicrosecond;
            if (spinOnly)
            {
                if (elapsedMicroseconds >= BackoffSpinMicroseconds)
                {
                    return WaitOutcome.SpunOut;
                }

                Pause();
            }
            else if (_mode == RingWait.Spin || (_mode == RingWait.Backoff && elapsedMicroseconds < BackoffSpinMicroseconds))
            {
                Pause();
                if ((i & 1023) == 1023)
                {
                    // Let a descheduled peer run when the cores are oversubscribed; returns at once otherwise.
                    Thread.Yield();
                }
            }
            else if (_mode == RingWait.Backoff && elapsedMicroseconds < BackoffYieldMicroseconds)
            {
                Thread.Yield();
            }
            else
            {
                int ms = (int)Math.Clamp((nextCheck - now) * 1000 / Stopwatch.Frequency, 1, SliceMilliseconds);
                Park(observed, ms, cancellationToken);
                now = Stopwatch.GetTimestamp();
            }

            if (now >= nextCheck)
            {
                nextCheck = now + s_sliceTicks;
                if (_peer is { } peer && !peer.IsAlive())
                {
                    // Data published before the peer died is still good: report the death only when nothing came.
                    return Moved(observed) ? WaitOutcome.Changed : WaitOutcome.PeerDead;
                }
            }
        }
    }

    /// <summary>Whether the other side moved: a record is there to read (consumer), or the word left <paramref name="observed"/>.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private bool Moved(ulong observed) =>
        _records is { } records ? Volatile.Read(ref *records.NextHeader) != RingLayout.Empty : Volatile.Read(ref *_word) != observed;

    private WaitOutcome? Poll(ulong observed, CancellationToken cancellationToken) =>
        Moved(observed) ? WaitOutcome.Changed : Ended(cancellationToken);

    /// <summary>Whether the wait should end for another reason than a change: the peer closed, this side stopped, or cancellation.</summary>
    private WaitOutcome? Ended(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref *_peerClosed) != 0)
        {
            return WaitOutcome.PeerClosed;
        }

        if (_stop.IsStopped)
        {
            return WaitOutcome.Stopped;
        }

        return cancellationToken.IsCancellationRequested ? WaitOutcome.Cancelled : null;
    }

    private void Park(ulong observed, int timeoutMs, CancellationToken cancellationToken)
    {
        // Announce, fence, re-check, sleep: paired with the fence after the other side's position store (or standing
        // in for it, see RingFence), so either it sees our flag and wakes us, or we see its new position here and do
        // not sleep. Should the barrier fail, a missed wakeup costs at most a millisecond. The word is read before the
        // re-check: a consumer re-checks the next header, which the producer stores before the write position, so a
        // record published after this read moves the word away from the value the futex sleeps on.
        Volatile.Write(ref *_waitingFlag, 1u);
        bool fenced = RingFence.BeforeSleep(_processPrivate);
        uint current = (uint)Volatile.Read(ref *_word);
        if (Poll(observed, cancellationToken) is null)
        {
            Libc.FutexWait((uint*)_word, current, fenced ? timeoutMs : 1, _processPrivate);
        }

        Volatile.Write(ref *_waitingFlag, 0u);
    }

    private static void Pause()
    {
        if (X86Base.IsSupported)
        {
            X86Base.Pause();
        }
        else if (ArmBase.IsSupported)
        {
            ArmBase.Yield();
        }
    }
}
