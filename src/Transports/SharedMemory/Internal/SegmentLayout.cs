using System.Buffers.Binary;

namespace IpcKit.Transports.SharedMemory.Internal;

/// <summary>
/// Offsets in the two kinds of /dev/shm file (drawn in docs/transports.md). Both start with the same header, whose
/// magic is written last with a release store: a reader that sees the magic sees everything else.
/// </summary>
internal static class SegmentLayout
{
    public const uint Version = 3;

    // The common header.
    public const int Magic = 0;        // u64
    public const int VersionField = 8; // u32
    public const int State = 12;       // u32
    public const int Capacity = 16;    // u64: bytes of each ring's data area
    public const int OwnerPid = 24;    // i32: the creator (listener, or connecting client)
    public const int OwnerStart = 32;  // u64: its start time
    public const int PeerPid = 40;     // i32: the accepting server (connection files)
    public const int PeerStart = 48;   // u64
    public const int CommonHeaderSize = 64;

    // The listener file: 4 KiB.
    public const int RequestSequence = 64; // u32 futex word, bumped by every posted request
    public const int SlotsOffset = 128;
    public const int SlotSize = 32;
    public const int SlotCount = 32;
    public const int SlotState = 0;  // u32: SlotFree, SlotClaimed, SlotPosted
    public const int SlotPid = 4;    // i32, written together with the claim (one 64-bit compare-exchange of state and pid)
    public const int SlotStart = 8;  // u64
    public const int SlotId = 16;    // u64
    public const long ListenerFileSize = 4096;

    public const uint SlotFree = 0;
    public const uint SlotClaimed = 1;
    public const uint SlotPosted = 2;

    public const uint Listening = 1;
    public const uint ListenerClosed = 2;

    // The connection file: header page, then both rings' data.
    public const int ClientToServerControl = 256;
    public const int ServerToClientControl = 512;
    public const long RingDataOffset = 4096;

    public const uint Offered = 1;
    public const uint Accepted = 2;
    public const uint Abandoned = 3;

    public static readonly ulong ListenerMagic = BinaryPrimitives.ReadUInt64LittleEndian("IPCKMMFL"u8);
    public static readonly ulong ConnectionMagic = BinaryPrimitives.ReadUInt64LittleEndian("IPCKMMFC"u8);

    public static long ConnectionFileSize(long capacity) => RingDataOffset + 2 * capacity;

    public static string ListenerFile(string directory, string name) => Path.Combine(directory, "ipckit-mmf-" + name);

    public static string ConnectionFile(string directory, string name, int pid, ulong id) =>
        Path.Combine(directory, FormattableString.Invariant($"ipckit-mmf-{name}.{pid}.{id}"));
}
