namespace IpcKit.Transports.Internal.Rings;

/// <summary>
/// Serializes the sends of a ring connection without an interlocked instruction in the common case of one sending
/// thread. An interlocked instruction is a full fence: it waits until the previous message's stores have reached the
/// other core, which costs about as much as the rest of a small send.
/// </summary>
/// <remarks>
/// <para>The gate is biased to the first thread that sends synchronously: that thread enters by storing its own busy
/// flag and re-reading the owner, with no fence. Any other sender (another thread, or any async send, whose thread
/// may change between entering and leaving) takes an ordinary compare-exchange lock, and the first to do so revokes
/// the bias for good: it clears the owner and runs a process-wide barrier. A lock holder goes in only once the
/// owner's busy flag is down. The barrier is what makes the owner's fence-free entry safe: either the owner's busy
/// store is visible after it, or the owner's re-read of the owner field comes after it and sees the bias gone.</para>
/// <para><see cref="Busy"/> is read by Dispose after a process-wide barrier of its own, which pairs the same way.</para>
/// </remarks>
internal sealed class SendGate
{
    private const int Unowned = 0;
    private const int Revoked = -1;

    private int _owner = Unowned; // managed thread id the gate is biased to, or Unowned, or Revoked
    private int _ownerBusy;       // set by the owner while it sends on the biased path
    private int _lock;            // the lock everyone takes once the bias is revoked

    /// <summary>True while a send is inside the gate.</summary>
    public bool Busy => (Volatile.Read(ref _ownerBusy) | Volatile.Read(ref _lock)) != 0;

    /// <summary>Enters for a synchronous send, spinning while another send is inside.</summary>
    /// <returns>True if entered on the biased path; pass it to <see cref="Exit"/>.</returns>
    public bool Enter()
    {
        int me = Environment.CurrentManagedThreadId;
        int owner = Volatile.Read(ref _owner);
        if (owner == Unowned)
        {
            owner = Interlocked.CompareExchange(ref _owner, me, Unowned);
            owner = owner == Unowned ? me : owner;
        }

        if (owner == me)
        {
            Volatile.Write(ref _ownerBusy, 1);
            if (Volatile.Read(ref _owner) == me)
            {
                return true;
            }

            Volatile.Write(ref _ownerBusy, 0);
        }

        var spin = new SpinWait();
        while (!TryEnterShared())
        {
            spin.SpinOnce();
        }

        return false;
    }

    /// <summary>Enters on the shared lock without waiting (async sends use this); false if another send is inside.</summary>
    public bool TryEnterShared()
    {
        if (Interlocked.CompareExchange(ref _lock, 1, 0) != 0)
        {
            return false;
        }

        // Revocation happens under the lock, so whoever takes the lock later finds the barrier already run.
        if (Volatile.Read(ref _owner) != Revoked)
        {
            Interlocked.Exchange(ref _owner, Revoked);
            Interlocked.MemoryBarrierProcessWide();
        }

        if (Volatile.Read(ref _ownerBusy) != 0)
        {
            // The former owner is still inside on the biased path; it will leave without looking at the lock.
            Volatile.Write(ref _lock, 0);
            return false;
        }

        return true;
    }

    /// <summary>Leaves the gate.</summary>
    /// <param name="biased">What <see cref="Enter"/> returned; false after <see cref="TryEnterShared"/>.</param>
    public void Exit(bool biased)
    {
        if (biased)
        {
            Volatile.Write(ref _ownerBusy, 0);
        }
        else
        {
            Volatile.Write(ref _lock, 0);
        }
    }
}
