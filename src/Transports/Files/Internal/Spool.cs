using System.Buffers.Binary;
using IpcKit.Transports.Internal;
using Microsoft.Win32.SafeHandles;

namespace IpcKit.Transports.Files.Internal;

/// <summary>
/// The format of a spool file: one per direction of a connection, appended to by its writer and followed by its
/// reader. A 32-byte header names the writer process; then records [u32 length][u32 CRC-32C of the length's four
/// bytes and the payload][payload]. Two lengths are markers: <see cref="ClosedMarker"/> and <see cref="AbortedMarker"/>.
/// </summary>
internal static class Spool
{
    public const int HeaderSize = 32;
    public const int RecordHeaderSize = 8;
    public const uint Version = 1;
    public const uint ClosedMarker = 0xFFFF_FFFF;
    public const uint AbortedMarker = 0xFFFF_FFFE;
    public static readonly ulong Magic = BinaryPrimitives.ReadUInt64LittleEndian("IPCKFILS"u8);

    /// <summary>Creates a spool (O_EXCL, mode 0600) and writes its header.</summary>
    public static SafeFileHandle Create(string path)
    {
        var stream = new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.ReadWrite,
            Share = FileShare.ReadWrite | FileShare.Delete,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        });
        var handle = stream.SafeFileHandle;
        Span<byte> header = stackalloc byte[HeaderSize];
        header.Clear();
        BinaryPrimitives.WriteUInt64LittleEndian(header, Magic);
        BinaryPrimitives.WriteUInt32LittleEndian(header[8..], Version);
        BinaryPrimitives.WriteInt32LittleEndian(header[16..], ProcessIdentity.Current.Pid);
        BinaryPrimitives.WriteUInt64LittleEndian(header[24..], ProcessIdentity.Current.StartTime);
        RandomAccess.Write(handle, header, 0);
        return handle;
    }

    /// <summary>Opens a spool for reading and returns its writer; null while it is missing or its header is incomplete.</summary>
    public static (SafeFileHandle Handle, ProcessIdentity Writer)? TryOpen(string path)
    {
        SafeFileHandle handle;
        try
        {
            // Read-write: the reader punches out what it has read (fallocate needs a writable descriptor).
            handle = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        Span<byte> header = stackalloc byte[HeaderSize];
        if (RandomAccess.Read(handle, header, 0) < HeaderSize || BinaryPrimitives.ReadUInt64LittleEndian(header) != Magic)
        {
            handle.Dispose();
            return null;
        }

        if (BinaryPrimitives.ReadUInt32LittleEndian(header[8..]) != Version)
        {
            handle.Dispose();
            throw new ProtocolViolationException($"The spool file '{path}' has format version {BinaryPrimitives.ReadUInt32LittleEndian(header[8..])}; this side reads {Version}.");
        }

        return (handle, new ProcessIdentity(BinaryPrimitives.ReadInt32LittleEndian(header[16..]), BinaryPrimitives.ReadUInt64LittleEndian(header[24..])));
    }

    /// <summary>Writes a record header for a payload (or a marker, with an empty payload).</summary>
    public static void WriteRecordHeader(Span<byte> destination, uint length, ReadOnlySpan<byte> payload)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(destination, length);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[4..], Checksum(destination[..4], payload));
    }

    public static uint Checksum(ReadOnlySpan<byte> lengthBytes, ReadOnlySpan<byte> payload) =>
        ~Crc32C.Append(Crc32C.Append(0xFFFF_FFFF, lengthBytes), payload);

    public static void Delete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }
}
