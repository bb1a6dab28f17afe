namespace IpcKit.Transports;

/// <summary>How a side of a ring (the <c>mmf</c> transport between processes, <c>thread</c> within one) waits when the ring is empty (receive) or full (send).</summary>
public enum RingWait
{
    /// <summary>Busy-spin on the peer's position: the lowest latency, and a whole core burnt while waiting.</summary>
    Spin,

    /// <summary>Spin about 4 µs, then yield the CPU until about 0.5 ms, then sleep on a futex until woken. The default.</summary>
    Backoff,

    /// <summary>Sleep on a futex at once; the peer wakes it with one syscall, and only when it sleeps.</summary>
    Block,
}
