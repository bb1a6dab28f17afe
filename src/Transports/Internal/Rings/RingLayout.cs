namespace IpcKit.Transports.Internal.Rings;

/// <summary>
/// The shared layout of one single-producer/single-consumer ring: a 256-byte control block and a data area of
/// <c>capacity</c> bytes (a power of two). docs/transports.md draws it.
/// </summary>
/// <remarks>
/// Each side writes only its own 128-byte half of the control block, so the two never share a cache line, nor an
/// adjacent-line prefetch pair. Positions are byte counters that only grow; <c>position &amp; (capacity - 1)</c> is the
/// offset in the data area. A record is a 4-byte header (kind in the top two bits, length in the low 30) and its bytes,
/// padded to 8.
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

    public const uint KindMask = 0xC000_0000;
    public const uint LengthMask = 0x3FFF_FFFF;

    /// <summary>A complete message: [u32 length][payload], padded to 8.</summary>
    public const uint Whole = 0x0000_0000;

    /// <summary>Nothing up to the end of the data area; the next record starts at offset 0.</summary>
    public const uint Padding = 0x4000_0000;

    /// <summary>The first piece of a message larger than a whole record may be: [u32 length][u32 total][piece], padded to 8.</summary>
    public const uint Start = 0x8000_0000;

    /// <summary>A later piece of that message: [u32 length][u32 0][piece], padded to 8.</summary>
    public const uint Piece = 0xC000_0000;

    public const long MinCapacity = 4096;
    public const long MaxCapacity = 1L << 40;

    /// <summary>Records are 8-aligned so that a header never straddles the end of the data area.</summary>
    public static long Align(long size) => (size + 7) & ~7L;

    /// <summary>Largest record written whole: a quarter of the ring, so that a message the consumer still holds can never by itself block the producer.</summary>
    public static long WholeLimit(long capacity) => Math.Min(capacity / 4, LengthMask & ~7L);

    /// <summary>Largest piece record of a streamed message.</summary>
    public static long PieceLimit(long capacity) => Math.Min(capacity / 4, LengthMask & ~7L);

    /// <summary>The ring size rules, as an error message, or null when the capacity is valid.</summary>
    public static string? CheckCapacity(long capacity) =>
        capacity < MinCapacity || capacity > MaxCapacity || (capacity & (capacity - 1)) != 0
            ? $"The ring capacity must be a power of two from {ByteSize.Format(MinCapacity)} to {ByteSize.Format(MaxCapacity)}; got {capacity} bytes."
            : null;
}
