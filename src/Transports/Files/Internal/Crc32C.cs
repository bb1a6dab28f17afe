using System.Buffers.Binary;
using System.Numerics;

namespace IpcKit.Transports.Files.Internal;

/// <summary>
/// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), as in iSCSI and ext4: <c>"123456789"</c> gives 0xE3069283.
/// <see cref="BitOperations.Crc32C(uint, ulong)"/> runs the SSE4.2 / ARMv8 CRC instruction where the CPU has one and a
/// table otherwise, so no package is needed (System.IO.Hashing has CRC-32 and CRC-64, not CRC-32C).
/// </summary>
internal static class Crc32C
{
    /// <summary>The checksum of <paramref name="data"/>.</summary>
    public static uint Compute(ReadOnlySpan<byte> data) => ~Append(0xFFFF_FFFF, data);

    /// <summary>Continues a running (pre-inverted) checksum: start with 0xFFFFFFFF, finish with a bitwise not.</summary>
    public static uint Append(uint crc, ReadOnlySpan<byte> data)
    {
        while (data.Length >= 8)
        {
            crc = BitOperations.Crc32C(crc, BinaryPrimitives.ReadUInt64LittleEndian(data));
            data = data[8..];
        }

        foreach (byte b in data)
        {
            crc = BitOperations.Crc32C(crc, b);
        }

        return crc;
    }
}
