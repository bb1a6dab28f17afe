namespace IpcKit.Transports.Internal.Rings;

/// <summary>
/// The shared layout of one single-producer/single-consumer ring: a 256-byte control block and a data area of
/// <c>capacity</c> bytes (a power of two). docs/transports.md draws it.
/// </summary>
/// <remarks>
/// Each side writes only its own 128-byte half of the control block, so the two never share a cache line, nor an
/// adjacent-line prefetch pair. Positions are byte counters that only grow; <c>position &amp; (capacity - 1)</c> is the
/// offset in the data area. A record is a 4-byte header (kind in the top three bits, length in the low 29) and its
/// bytes, padded to 8.
/// <para>The consumer finds records by their headers, not by the write position: the header word at the write position
/// is always zero (<see cref="Empty"/>), because before the producer publishes a record (release store of its header)
/// it zeroes the header word where the next record will start (<see cref="Terminator"/>). A consumer that is caught up
/// therefore spins on the very word the next record's header lands in, next to its payload, instead of on the write
/// position in the control block: one cache line crosses between the cores per message rather than two. The write
/// position is still stored after every record, for a consumer that sleeps (futex) and for the dead-peer check.
/// Only the first header word of a new ring must start at zero.</para>
/// </remarks>
internal static class RingLayout
{
    /// <summary>Bytes of one ring's control block.</summary>
    public const int ControlSize = 256;

    // Written by the producer.
    public const int WritePosition = 0;     // u64: end of the last published record
    public const int ProducerClosed = 8;    // u32: ClosedCleanly or Aborted once the producer is done
    public const int ProducerWaiting = 12;  // u32: 1 while the producer sleeps on ReadPosition for space
    public const int ProducerBarriers = 16; // u32: 1 if the producer barriers the consumer's CPU before it sleeps (RingFence)

    // Written by the consumer.
    public const int ReadPosition = 128;    // u64: start of the oldest record still in use
    public const int ConsumerWaiting = 136; // u32: 1 while the consumer sleeps on WritePosition for data
    public const int ConsumerGone = 140;    // u32: 1 once the consumer will read no more
    public const int ConsumerBarriers = 144; // u32: 1 if the consumer barriers the producer's CPU before it sleeps (RingFence)

    public const uint ClosedCleanly = 1;
    public const uint Aborted = 2;

    public const uint KindMask = 0xE000_0000;
    public const uint LengthMask = 0x1FFF_FFFF;

    /// <summary>No record (yet): the header word at the write position. A header whose kind is 0 is never written.</summary>
    public const uint Empty = 0;

    /// <summary>A complete message: [u32 Whole|length][payload], padded to 8.</summary>
    public const uint Whole = 0x2000_0000;

    /// <summary>Nothing up to the end of the data area; the next record starts at offset 0.</summary>
    public const uint Padding = 0x4000_0000;

    /// <summary>The first piece of a message larger than a whole record may be: [u32 Start|length][u32 total][piece], padded to 8.</summary>
    public const uint Start = 0x6000_0000;

    /// <summary>A later piece of that message: [u32 Piece|length][u32 0][piece], padded to 8.</summary>
    public const uint Piece = 0x8000_0000;

    /// <summary>Bytes the producer keeps free past each record for the zeroed header word of the next one.</summary>
    public const long Terminator = 8;

    public const long MinCapacity = 4096;
    public const long MaxCapacity = 1L << 40;

    /// <summary>Records are 8-aligned so that a header never straddles the end of the data area.</summary>
    public static long Align(long size) => (size + 7) & ~7L;

    /// <summary>
    /// Largest record written whole: a quarter of the ring less the <see cref="Terminator"/> kept free after it, so
    /// that a message the consumer still holds can never by itself block the producer, and four of them fit at once.
    /// </summary>
    public static long WholeLimit(long capacity) => Math.Min(capacity / 4 - Terminator, LengthMask & ~7L);

    /// <summary>Largest piece record of a streamed message.</summary>
    public static long PieceLimit(long capacity) => Math.Min(capacity / 4, LengthMask & ~7L);

    /// <summary>The ring size rules, as an error message, or null when the capacity is valid.</summary>
    public static string? CheckCapacity(long capacity) =>
        capacity < MinCapacity || capacity > MaxCapacity || (capacity & (capacity - 1)) != 0
            ? $"The ring capacity must be a power of two from {ByteSize.Format(MinCapacity)} to {ByteSize.Format(MaxCapacity)}; got {capacity} bytes."
            : null;
}
